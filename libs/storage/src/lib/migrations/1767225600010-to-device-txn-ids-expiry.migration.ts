import { EngineMigration } from './engine-migration';

/**
 * `to_device_txn_ids` rows expire by age, in batches: without an index on the age, each batch
 * would scan every id every device has sent.
 */
export class ToDeviceTxnIdsExpiry1767225600010 extends EngineMigration {
  readonly name = 'ToDeviceTxnIdsExpiry1767225600010';

  protected statements(): string[] {
    return ['CREATE INDEX to_device_txn_ids_created_ts ON to_device_txn_ids (created_ts)'];
  }
}
