import type { MultiWriterIdGenerator } from '@chat/streams';
import type { SqlDatabase } from '../database/sql-database';
import { ToDeviceStore, type ToDeviceMessage } from '../ports/to-device.store';
import type { Txn } from '../ports/txn';
import { insertRows } from './insert-rows';

export class SqlToDeviceStore extends ToDeviceStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly toDevice: MultiWriterIdGenerator<Txn>,
    private readonly instanceName: string,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  addMessages(
    sender: { userId: string; deviceId: string },
    txnId: string,
    messages: readonly ToDeviceMessage[],
  ): Promise<{ streamId: number | null; duplicate: boolean }> {
    return this.db.runInteraction('addToDeviceMessages', async (txn) => {
      const fresh = await txn.query(
        `INSERT INTO to_device_txn_ids (user_id, device_id, txn_id, created_ts)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING txn_id`,
        [sender.userId, sender.deviceId, txnId, this.now()],
      );
      if (fresh.length === 0) return { streamId: null, duplicate: true };
      if (messages.length === 0) return { streamId: null, duplicate: false };
      const streamId = await this.toDevice.getNextInTxn(txn);
      await insertRows(
        txn,
        'device_inbox',
        ['user_id', 'device_id', 'stream_id', 'instance_name', 'message_json'],
        messages.map((m) => [
          m.userId,
          m.deviceId,
          streamId,
          this.instanceName,
          JSON.stringify({ sender: sender.userId, type: m.type, content: m.content }),
        ]),
      );
      return { streamId, duplicate: false };
    });
  }
}
