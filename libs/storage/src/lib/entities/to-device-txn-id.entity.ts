import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'to_device_txn_ids' })
export class ToDeviceTxnIdEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId: string;

  @PrimaryColumn({ name: 'device_id', type: 'text' })
  deviceId: string;

  @PrimaryColumn({ name: 'txn_id', type: 'text' })
  txnId: string;

  @Column({ name: 'created_ts', type: 'bigint' })
  createdTs: number;
}
