import { STREAM_NAMES } from '@chat/streams';
import type { SqlDatabase } from '../database/sql-database';
import type { PresenceRecord } from '../ports/presence.store';
import {
  ReplicationRowsStore,
  type DbStreamName,
  type DbStreamRecords,
  type StreamRowRange,
} from '../ports/replication-rows.store';
import { STREAM_STORAGE, type StreamTable } from '../stream-ids/stream-tables';

type SqlRow = Record<string, unknown>;

/** How one stream's table turns into records. */
interface RowSource<R> {
  /** Columns read besides the stream id. */
  columns: readonly string[];
  /**
   * Rows that agree on these columns collapse into one (`SELECT DISTINCT`), ordered by them within
   * a stream id: the table has one row per device where the stream announces only the user.
   */
  distinct?: boolean;
  toRecord(row: SqlRow): Omit<R, 'streamId'>;
}

type EventsRow = {
  event_id: string;
  room_id: string;
  type: string;
  state_key: string | null;
  redacts: string | null;
  relates_to_id: string | null;
  membership: string | null;
  rejected_reason: string | null;
  outlier: boolean | number;
};

type ReceiptsRow = {
  room_id: string;
  receipt_type: string;
  user_id: string;
  event_id: string;
  thread_id: string;
  data: string;
};

type AccountDataRow = { user_id: string; room_id: string; type: string };
type UserRow = { user_id: string };
type CacheInvalidationRow = {
  cache_func: string;
  keys: string | null;
  invalidation_ts: number | string;
};
type PresenceRow = {
  user_id: string;
  state: PresenceRecord['state'];
  status_msg: string | null;
  last_active_ts: number | string;
};

const USER_ROWS: RowSource<{ userId: string }> = {
  columns: ['user_id'],
  distinct: true,
  toRecord: (row: UserRow) => ({ userId: row.user_id }),
};

const SOURCES: { [S in DbStreamName]: RowSource<DbStreamRecords[S]> } = {
  [STREAM_NAMES.events]: {
    columns: [
      'event_id',
      'room_id',
      'type',
      'state_key',
      'redacts',
      'relates_to_id',
      'membership',
      'rejected_reason',
      'outlier',
    ],
    toRecord: (row: EventsRow) => ({
      eventId: row.event_id,
      roomId: row.room_id,
      type: row.type,
      stateKey: row.state_key,
      redacts: row.redacts,
      relatesTo: row.relates_to_id,
      membership: row.membership,
      rejected: row.rejected_reason !== null,
      outlier: Boolean(row.outlier),
    }),
  },
  [STREAM_NAMES.receipts]: {
    columns: ['room_id', 'receipt_type', 'user_id', 'event_id', 'thread_id', 'data'],
    toRecord: (row: ReceiptsRow) => ({
      roomId: row.room_id,
      receiptType: row.receipt_type,
      userId: row.user_id,
      eventId: row.event_id,
      threadId: row.thread_id,
      data: JSON.parse(row.data) as Record<string, unknown>,
    }),
  },
  [STREAM_NAMES.accountData]: {
    columns: ['user_id', 'room_id', 'type'],
    // The account data store keeps global data under room id ''.
    toRecord: (row: AccountDataRow) => ({
      userId: row.user_id,
      roomId: row.room_id === '' ? null : row.room_id,
      type: row.type,
    }),
  },
  [STREAM_NAMES.toDevice]: USER_ROWS,
  [STREAM_NAMES.pushRules]: USER_ROWS,
  [STREAM_NAMES.deviceLists]: USER_ROWS,
  [STREAM_NAMES.presence]: {
    columns: ['user_id', 'state', 'status_msg', 'last_active_ts'],
    toRecord: (row: PresenceRow) => ({
      userId: row.user_id,
      state: row.state,
      statusMsg: row.status_msg,
      lastActiveTs: Number(row.last_active_ts),
    }),
  },
  [STREAM_NAMES.caches]: {
    columns: ['cache_func', 'keys', 'invalidation_ts'],
    toRecord: (row: CacheInvalidationRow) => ({
      cacheFunc: row.cache_func,
      keys: row.keys === null ? null : (JSON.parse(row.keys) as string[][]),
      invalidationTs: Number(row.invalidation_ts),
    }),
  },
};

/** The one table `STREAM_STORAGE` names for the stream (where its id generator looks too). */
function tableOf(stream: DbStreamName): StreamTable {
  const tables = STREAM_STORAGE.find((storage) => storage.stream === stream)?.tables ?? [];
  if (tables.length !== 1) {
    throw new Error(`stream ${stream} has ${tables.length} tables; its rows need a merged read`);
  }
  return tables[0];
}

/**
 * One paged range read for every stream, parameterised by the stream's table and columns:
 * `WHERE after < id <= upTo AND instance = writer ORDER BY id LIMIT n`, served by each stream
 * table's index on its id.
 */
export class SqlReplicationRowsStore extends ReplicationRowsStore {
  constructor(private readonly db: SqlDatabase) {
    super();
  }

  async rowsOf<S extends DbStreamName>(
    stream: S,
    range: StreamRowRange,
  ): Promise<Array<DbStreamRecords[S]>> {
    if (range.upTo <= range.after || range.limit === 0) return [];
    const source: RowSource<DbStreamRecords[S]> = SOURCES[stream];
    const { table, idColumn, instanceColumn } = tableOf(stream);
    const columns = source.columns.join(', ');
    const params: unknown[] = [range.after, range.upTo, range.writer];
    let sql =
      `SELECT ${source.distinct ? 'DISTINCT ' : ''}${idColumn} AS stream_id, ${columns} ` +
      `FROM ${table} WHERE ${idColumn} > $1 AND ${idColumn} <= $2 AND ${instanceColumn} = $3 ` +
      `ORDER BY stream_id${source.distinct ? `, ${columns}` : ''}`;
    if (range.limit !== undefined) {
      params.push(range.limit);
      sql += ` LIMIT $${params.length}`;
    }
    const rows = await this.db.query<SqlRow>(sql, params);
    return rows.map(
      (row) =>
        ({ streamId: Number(row['stream_id']), ...source.toRecord(row) }) as DbStreamRecords[S],
    );
  }
}
