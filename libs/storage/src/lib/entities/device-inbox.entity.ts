import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'device_inbox' })
export class DeviceInboxEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  @PrimaryColumn({ name: 'device_id', type: 'text' })
  deviceId: string;

  @PrimaryColumn({ name: 'stream_id', type: 'bigint' })
  streamId: number;

  @Column({ name: 'instance_name', type: 'text' })
  instanceName: string;

  /** `{sender, type, content}` as the recipient's sync will carry it. */
  @Column({ name: 'message_json', type: 'text' })
  messageJson: string;
}
