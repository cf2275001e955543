import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'presence' })
export class PresenceEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  @Column({ name: 'state', type: 'text' })
  state: string;

  @Column({ name: 'status_msg', type: 'text', nullable: true })
  statusMsg: string | null;

  @Column({ name: 'last_active_ts', type: 'bigint' })
  lastActiveTs: number;

  @Column({ name: 'stream_id', type: 'bigint' })
  streamId: number;

  @Column({ name: 'instance_name', type: 'text' })
  instanceName: string;
}
