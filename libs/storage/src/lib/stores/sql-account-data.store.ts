import type { MultiWriterIdGenerator } from '@chat/streams';
import type { SqlDatabase } from '../database/sql-database';
import { AccountDataStore, type AccountDataChange } from '../ports/account-data.store';
import type { Txn } from '../ports/txn';

/** Global account data is stored under room id '' so one primary key covers both kinds. */
const GLOBAL = '';

export class SqlAccountDataStore extends AccountDataStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly accountData: MultiWriterIdGenerator<Txn>,
    private readonly instanceName: string,
  ) {
    super();
  }

  putAccountData(
    userId: string,
    roomId: string | null,
    type: string,
    content: Record<string, unknown>,
  ): Promise<number> {
    return this.db.runInteraction('putAccountData', async (txn) => {
      const streamId = await this.accountData.getNextInTxn(txn);
      await txn.query(
        `INSERT INTO account_data (user_id, room_id, type, content, stream_id, instance_name)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id, room_id, type) DO UPDATE SET content = excluded.content,
           stream_id = excluded.stream_id, instance_name = excluded.instance_name`,
        [userId, roomId ?? GLOBAL, type, JSON.stringify(content), streamId, this.instanceName],
      );
      return streamId;
    });
  }

  async getAccountData(
    userId: string,
    roomId: string | null,
    type: string,
  ): Promise<Record<string, unknown> | null> {
    const [row] = await this.db.query<{ content: string }>(
      'SELECT content FROM account_data WHERE user_id = $1 AND room_id = $2 AND type = $3',
      [userId, roomId ?? GLOBAL, type],
    );
    return row ? (JSON.parse(row.content) as Record<string, unknown>) : null;
  }

  async getAccountDataChanges(
    userId: string,
    after: number,
    upTo: number,
  ): Promise<AccountDataChange[]> {
    if (upTo <= after) return [];
    const rows = await this.db.query<{
      room_id: string;
      type: string;
      content: string;
      stream_id: number | string;
    }>(
      `SELECT room_id, type, content, stream_id FROM account_data
       WHERE user_id = $1 AND stream_id > $2 AND stream_id <= $3 ORDER BY stream_id`,
      [userId, after, upTo],
    );
    return rows.map((row) => ({
      roomId: row.room_id === GLOBAL ? null : row.room_id,
      type: row.type,
      content: JSON.parse(row.content) as Record<string, unknown>,
      streamId: Number(row.stream_id),
    }));
  }
}
