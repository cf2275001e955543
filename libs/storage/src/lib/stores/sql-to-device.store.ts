import { STREAM_NAMES, type MultiWriterIdGenerator } from '@chat/streams';
import type { SqlDatabase } from '../database/sql-database';
import {
  ToDeviceStore,
  type QueuedToDeviceMessage,
  type ToDeviceMessage,
} from '../ports/to-device.store';
import type { Txn } from '../ports/txn';
import { insertRows } from './insert-rows';
import { withTxn } from './with-txn';

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
    await this.db.runInteraction('deleteToDeviceMessages', (txn) =>
      this.deleteQueued(
        txn,
        'user_id = $1 AND device_id = $2 AND stream_id <= $3',
        [userId, deviceId, upTo],
        upTo,
      ),
    );
  }

  forgetDevices(userId: string, deviceIds: readonly string[], txn?: Txn): Promise<void> {
    if (deviceIds.length === 0) return Promise.resolve();
    return withTxn(this.db, 'forgetToDeviceDevices', txn, async (t) => {
      const list = deviceIds.map((_, i) => `$${i + 2}`).join(', ');
      const params = [userId, ...deviceIds];
      await this.deleteQueued(t, `user_id = $1 AND device_id IN (${list})`, params);
      await t.query(
        `DELETE FROM to_device_txn_ids WHERE user_id = $1 AND device_id IN (${list})`,
        params,
      );
    });
  }

  deleteMessagesForMissingDevices(
    after: number,
    limit: number,
  ): Promise<{ deleted: number; scannedUpTo: number | null }> {
    return this.db.runInteraction('deleteToDeviceMessagesForMissingDevices', async (txn) => {
      const batch = await batchEnd(
        txn,
        'device_inbox',
        'stream_id',
        'stream_id > $1',
        after,
        limit,
      );
      if (batch === null) return { deleted: 0, scannedUpTo: null };
      const deleted = await this.deleteQueued(
        txn,
        `stream_id > $1 AND stream_id <= $2 AND NOT EXISTS (
           SELECT 1 FROM devices d
           WHERE d.user_id = device_inbox.user_id AND d.device_id = device_inbox.device_id
         )`,
        [after, batch.end],
      );
      return { deleted, scannedUpTo: batch.full ? batch.end : null };
    });
  }

  expireTxnIds(olderThanTs: number, limit: number): Promise<number> {
    return this.db.runInteraction('expireToDeviceTxnIds', async (txn) => {
      const batch = await batchEnd(
        txn,
        'to_device_txn_ids',
        'created_ts',
        'created_ts < $1',
        olderThanTs,
        limit,
      );
      if (batch === null) return 0;
      const deleted = await txn.query(
        'DELETE FROM to_device_txn_ids WHERE created_ts <= $1 RETURNING txn_id',
        [batch.end],
      );
      return deleted.length;
    });
  }

  /**
   * Every deletion from the inbox; returns how many messages went. Deleting the newest rows must
   * not move the stream back when its counter is reseeded, so `position` (an acknowledged sync
   * position), or else the highest id deleted, is kept in `stream_positions`.
   */
  private async deleteQueued(
    txn: Txn,
    where: string,
    params: unknown[],
    position?: number,
  ): Promise<number> {
    const deleted = await txn.query<{ stream_id: number | string }>(
      `DELETE FROM device_inbox WHERE ${where} RETURNING stream_id`,
      params,
    );
    if (deleted.length === 0) return 0;
    const keep = position ?? deleted.reduce((max, row) => Math.max(max, Number(row.stream_id)), 0);
    await txn.query(
      `INSERT INTO stream_positions (stream_name, instance_name, stream_id) VALUES ($1, $2, $3)
       ON CONFLICT (stream_name, instance_name) DO UPDATE SET stream_id = excluded.stream_id
       WHERE stream_positions.stream_id < excluded.stream_id`,
      [STREAM_NAMES.toDevice, this.instanceName, keep],
    );
    return deleted.length;
  }
}

/**
 * Where a batch of about `limit` rows ends, walking up `column` of `table` through the rows
 * matching `where` (with `$1` = `bound`): the `limit`-th row's value. A batch is then a range of
 * the indexed column (a key-by-key delete would scan the table), holding every row that shares
 * its last value. `full` is false when fewer rows are left: the batch is the last. `null` when
 * none is.
 */
async function batchEnd(
  txn: Txn,
  table: string,
  column: string,
  where: string,
  bound: number,
  limit: number,
): Promise<{ end: number; full: boolean } | null> {
  const [row] = await txn.query<{ end_value: number | string | null; n: number | string }>(
    `SELECT MAX(${column}) AS end_value, COUNT(*) AS n FROM (
       SELECT ${column} FROM ${table} WHERE ${where} ORDER BY ${column} LIMIT $2
     ) first_rows`,
    [bound, limit],
  );
  if (row.end_value === null) return null;
  return { end: Number(row.end_value), full: Number(row.n) >= limit };
}
