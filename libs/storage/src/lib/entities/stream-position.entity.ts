import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Each writer's persisted position per stream (replication.md §5.3). */
@Entity({ name: 'stream_positions' })
export class StreamPositionEntity {
  @PrimaryColumn({ name: 'stream_name', type: 'text' })
  streamName: string;

  @PrimaryColumn({ name: 'instance_name', type: 'text' })
  instanceName: string;

  @Column({ name: 'stream_id', type: 'bigint' })
  streamId: number;
}
