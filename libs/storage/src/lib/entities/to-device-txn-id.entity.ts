import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'to_device_txn_ids' })
@Index('to_device_txn_ids_created_ts', ['createdTs'])
export class ToDeviceTxnIdEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  @PrimaryColumn({ name: 'device_id', type: 'text' })
  deviceId: string;

  @PrimaryColumn({ name: 'txn_id', type: 'text' })
  txnId: string;

  /** Old rows are purged by age. */
  @Column({ name: 'created_ts', type: 'bigint' })
  createdTs: number;
}
