import { EngineMigration, createStreamSequence, type Engine } from './engine-migration';

/**
 * To-device messages waiting for their device's next sync (the `to_device` stream), and the
 * transaction ids of the requests that sent them, so that a retried send is not delivered twice.
 */
export class DeviceInbox1767225600005 extends EngineMigration {
  readonly name = 'DeviceInbox1767225600005';

  protected statements(engine: Engine): string[] {
    return [
      `CREATE TABLE device_inbox (
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        stream_id BIGINT NOT NULL,
        instance_name TEXT NOT NULL,
        message_json TEXT NOT NULL,
        PRIMARY KEY (user_id, device_id, stream_id)
      )`,
      'CREATE INDEX device_inbox_stream ON device_inbox (stream_id)',
      ...(engine === 'postgres' ? createStreamSequence('device_inbox_sequence') : []),
      `CREATE TABLE to_device_txn_ids (
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        txn_id TEXT NOT NULL,
        created_ts BIGINT NOT NULL,
        PRIMARY KEY (user_id, device_id, txn_id)
      )`,
    ];
  }
}
