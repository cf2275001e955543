import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Client transaction ids, so a retried send returns the first event instead of a duplicate. */
@Entity({ name: 'event_txn_ids' })
export class EventTxnIdEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  @PrimaryColumn({ name: 'device_id', type: 'text' })
  deviceId: string;

  /** The endpoint and path the id was sent to (e.g. `send/<room>/<type>`): ids are per endpoint. */
  @PrimaryColumn({ name: 'scope', type: 'text' })
  scope: string;

  @PrimaryColumn({ name: 'txn_id', type: 'text' })
  txnId: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId: string;

  /** Old rows are purged by age. */
  @Column({ name: 'created_ts', type: 'bigint' })
  createdTs: number;
}
