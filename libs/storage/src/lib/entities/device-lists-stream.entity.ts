import { Entity, PrimaryColumn, Column } from 'typeorm';

/** One row per device change; the primary key's leading `stream_id` serves range reads. */
@Entity({ name: 'device_lists_stream' })
export class DeviceListsStreamEntity {
  @PrimaryColumn({ name: 'stream_id', type: 'bigint' })
  streamId: number;

  @Column({ name: 'instance_name', type: 'text' })
  instanceName: string;

  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  @PrimaryColumn({ name: 'device_id', type: 'text' })
  deviceId: string;
}
