import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A user's latest receipt per room, type and thread; rows are replaced, not appended. */
@Entity({ name: 'receipts' })
export class ReceiptEntity {
  @PrimaryColumn({ name: 'room_id', type: 'text' })
  roomId: string;

  @PrimaryColumn({ name: 'receipt_type', type: 'text' })
  receiptType: string;

  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  /** '' for an unthreaded receipt, so it can be part of the primary key. */
  @PrimaryColumn({ name: 'thread_id', type: 'text' })
  threadId: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId: string;

  /** JSON text (e.g. `ts`). */
  @Column({ name: 'data', type: 'text' })
  data: string;

  @Column({ name: 'stream_id', type: 'bigint' })
  streamId: number;

  @Column({ name: 'instance_name', type: 'text' })
  instanceName: string;
}
