import type { MultiWriterIdGenerator } from '@chat/streams';
import type { SqlDatabase } from '../database/sql-database';
import { ReceiptStore, type ReceiptRecord } from '../ports/receipt.store';
import type { Txn } from '../ports/txn';

interface ReceiptRow {
  room_id: string;
  receipt_type: string;
  user_id: string;
  thread_id: string;
  event_id: string;
  data: string;
  stream_id: number | string;
}

const COLUMNS = 'room_id, receipt_type, user_id, thread_id, event_id, data, stream_id';

function toReceipt(row: ReceiptRow): ReceiptRecord {
  return {
    roomId: row.room_id,
    receiptType: row.receipt_type,
    userId: row.user_id,
    threadId: row.thread_id,
    eventId: row.event_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
    streamId: Number(row.stream_id),
  };
}

export class SqlReceiptStore extends ReceiptStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly receipts: MultiWriterIdGenerator<Txn>,
    private readonly instanceName: string,
  ) {
    super();
  }

  upsertReceipt(receipt: Omit<ReceiptRecord, 'streamId'>): Promise<number> {
    return this.db.runInteraction('upsertReceipt', async (txn) => {
      const streamId = await this.receipts.getNextInTxn(txn);
      await txn.query(
        `INSERT INTO receipts (${COLUMNS}, instance_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (room_id, receipt_type, user_id, thread_id) DO UPDATE SET
           event_id = excluded.event_id, data = excluded.data, stream_id = excluded.stream_id,
           instance_name = excluded.instance_name`,
        [
          receipt.roomId,
          receipt.receiptType,
          receipt.userId,
          receipt.threadId,
          receipt.eventId,
          JSON.stringify(receipt.data),
          streamId,
          this.instanceName,
        ],
      );
      return streamId;
    });
  }

  async getReceipt(
    roomId: string,
    receiptType: string,
    userId: string,
    threadId: string,
  ): Promise<ReceiptRecord | null> {
    const [row] = await this.db.query<ReceiptRow>(
      `SELECT ${COLUMNS} FROM receipts
       WHERE room_id = $1 AND receipt_type = $2 AND user_id = $3 AND thread_id = $4`,
      [roomId, receiptType, userId, threadId],
    );
    return row ? toReceipt(row) : null;
  }

  async getReceiptsInRange(
    roomIds: readonly string[],
    after: number,
    upTo: number,
  ): Promise<Array<ReceiptRecord & { instanceName: string }>> {
    const out: Array<ReceiptRecord & { instanceName: string }> = [];
    if (upTo <= after) return out;
    for (let start = 0; start < roomIds.length; start += 500) {
      const ids = roomIds.slice(start, start + 500);
      const list = ids.map((_, i) => `$${i + 3}`).join(', ');
      const rows = await this.db.query<ReceiptRow & { instance_name: string }>(
        `SELECT ${COLUMNS}, instance_name FROM receipts
         WHERE stream_id > $1 AND stream_id <= $2 AND room_id IN (${list})`,
        [after, upTo, ...ids],
      );
      for (const row of rows) out.push({ ...toReceipt(row), instanceName: row.instance_name });
    }
    return out;
  }
}
