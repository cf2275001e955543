import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Global and per-room account data; room_id '' marks global, so one primary key covers both. */
@Entity({ name: 'account_data' })
export class AccountDataEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  @PrimaryColumn({ name: 'room_id', type: 'text' })
  roomId: string;

  @PrimaryColumn({ name: 'type', type: 'text' })
  type: string;

  /** JSON text. */
  @Column({ name: 'content', type: 'text' })
  content: string;

  @Column({ name: 'stream_id', type: 'bigint' })
  streamId: number;

  @Column({ name: 'instance_name', type: 'text' })
  instanceName: string;
}
