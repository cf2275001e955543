import type { PersistedRowsSource, PositionsStore, SequenceSource } from '@chat/streams';
import type { SqlDatabase } from '../database/sql-database';
import type { Txn } from '../ports/txn';
import type { StreamStorage } from './stream-tables';

/** Ids from the stream's PostgreSQL sequence, shared by every writer process. */
export class PgSequenceSource implements SequenceSource<Txn> {
  constructor(
    private readonly db: SqlDatabase,
    private readonly sequence: string,
  ) {}

  async nextIds(n: number, txn?: Txn): Promise<number[]> {
    const sql = 'SELECT nextval($1) AS id FROM generate_series(1, $2)';
    const rows = await (txn ?? this.db).query<{ id: number }>(sql, [this.sequence, n]);
    return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  }

  async lastValue(): Promise<number> {
    const [row] = await this.db.query<{ last_value: number }>(
      `SELECT last_value FROM ${this.sequence}`,
    );
    return Number(row.last_value);
  }
}

/** `stream_positions`, written outside data transactions with "only increase" semantics. */
export class SqlPositionsStore implements PositionsStore {
  constructor(private readonly db: SqlDatabase) {}

  async load(stream: string): Promise<Map<string, number>> {
    const rows = await this.db.query<{ instance_name: string; stream_id: number }>(
      'SELECT instance_name, stream_id FROM stream_positions WHERE stream_name = $1',
      [stream],
    );
    return new Map(rows.map((row) => [row.instance_name, Number(row.stream_id)]));
  }

  async deleteOthers(stream: string, keep: readonly string[]): Promise<void> {
    const placeholders = keep.map((_, i) => `$${i + 2}`).join(', ');
    await this.db.query(
      `DELETE FROM stream_positions WHERE stream_name = $1` +
        (keep.length > 0 ? ` AND instance_name NOT IN (${placeholders})` : ''),
      [stream, ...keep],
    );
  }

  async upsert(stream: string, instance: string, position: number): Promise<void> {
    await this.db.query(
      `INSERT INTO stream_positions (stream_name, instance_name, stream_id) VALUES ($1, $2, $3)
       ON CONFLICT (stream_name, instance_name) DO UPDATE SET stream_id = excluded.stream_id
       WHERE stream_positions.stream_id < excluded.stream_id`,
      [stream, instance, position],
    );
  }
}

/** Reads a stream's own tables at startup. */
export class SqlPersistedRows implements PersistedRowsSource {
  constructor(
    private readonly db: SqlDatabase,
    private readonly storage: StreamStorage,
  ) {}

  /**
   * The highest id the stream has used: its tables' maximum, or a position recorded in
   * `stream_positions`, which is where a store that deletes its newest rows (the to-device inbox)
   * leaves its high-water mark so that a counter seeded from here never goes back.
   */
  async maxId(): Promise<number> {
    const [recorded] = await this.db.query<{ max_id: number | null }>(
      'SELECT MAX(stream_id) AS max_id FROM stream_positions WHERE stream_name = $1',
      [this.storage.stream],
    );
    let max = Number(recorded?.max_id ?? 0);
    for (const { table, idColumn } of this.storage.tables) {
      const [row] = await this.db.query<{ max_id: number | null }>(
        `SELECT MAX(${idColumn}) AS max_id FROM ${table}`,
      );
      max = Math.max(max, Number(row.max_id ?? 0));
    }
    return max;
  }

  async rowsAfter(
    after: number,
  ): Promise<Array<{ streamId: number; instanceName: string | null }>> {
    const rows: Array<{ streamId: number; instanceName: string | null }> = [];
    for (const { table, idColumn, instanceColumn } of this.storage.tables) {
      const found = await this.db.query<{ stream_id: number; instance_name: string | null }>(
        `SELECT ${idColumn} AS stream_id, ${instanceColumn} AS instance_name FROM ${table}
         WHERE ${idColumn} > $1 ORDER BY ${idColumn}`,
        [after],
      );
      for (const row of found) {
        rows.push({ streamId: Number(row.stream_id), instanceName: row.instance_name });
      }
    }
    return rows.sort((a, b) => a.streamId - b.streamId);
  }
}
