import { STREAM_NAMES, type MultiWriterIdGenerator } from '@chat/streams';
import type { SqlDatabase } from '../database/sql-database';
import {
  ToDeviceStore,
  type QueuedToDeviceMessage,
  type ToDeviceMessage,
} from '../ports/to-device.store';
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

  async getMessagesForDevice(
    userId: string,
    deviceId: string,
    after: number,
    upTo: number,
    limit: number,
  ): Promise<QueuedToDeviceMessage[]> {
    if (upTo <= after) return [];
    const rows = await this.db.query<{ stream_id: number | string; message_json: string }>(
      `SELECT stream_id, message_json FROM device_inbox
       WHERE user_id = $1 AND device_id = $2 AND stream_id > $3 AND stream_id <= $4
       ORDER BY stream_id LIMIT $5`,
      [userId, deviceId, after, upTo, limit],
    );
    return rows.map((row) => {
      const message = JSON.parse(row.message_json) as Omit<QueuedToDeviceMessage, 'streamId'>;
      return { streamId: Number(row.stream_id), ...message };
    });
  }

  async deleteMessagesForDevice(userId: string, deviceId: string, upTo: number): Promise<void> {
    await this.db.runInteraction('deleteToDeviceMessages', async (txn) => {
      const deleted = await txn.query(
        `DELETE FROM device_inbox WHERE user_id = $1 AND device_id = $2 AND stream_id <= $3
         RETURNING stream_id`,
        [userId, deviceId, upTo],
      );
      if (deleted.length === 0) return;
      // Deleting the newest rows must not move the stream back when its counter is reseeded.
      await txn.query(
        `INSERT INTO stream_positions (stream_name, instance_name, stream_id) VALUES ($1, $2, $3)
         ON CONFLICT (stream_name, instance_name) DO UPDATE SET stream_id = excluded.stream_id
         WHERE stream_positions.stream_id < excluded.stream_id`,
        [STREAM_NAMES.toDevice, this.instanceName, upTo],
      );
    });
  }
}
