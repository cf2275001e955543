import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'devices' })
export class DeviceEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  @PrimaryColumn({ name: 'device_id', type: 'text' })
  deviceId: string;

  @Column({ name: 'display_name', type: 'text', nullable: true })
  displayName: string | null;

  @Column({ name: 'last_seen_ts', type: 'bigint', nullable: true })
  lastSeenTs: number | null;

  @Column({ name: 'last_seen_ip', type: 'text', nullable: true })
  lastSeenIp: string | null;

  @Column({ name: 'last_seen_user_agent', type: 'text', nullable: true })
  lastSeenUserAgent: string | null;

  @Column({ name: 'created_ts', type: 'bigint' })
  createdTs: number;
}
