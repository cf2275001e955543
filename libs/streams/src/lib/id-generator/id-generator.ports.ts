/** The part of a database transaction an id generator hangs its bookkeeping on (replication.md §5.6). */
export interface TxnHooks {
  afterCommit(fn: () => void | Promise<void>): void;
  onRollback(fn: (err: unknown) => void | Promise<void>): void;
}

/** Where ids come from: a PostgreSQL sequence shared by every writer, or an in-process counter. */
export interface SequenceSource<T extends TxnHooks = TxnHooks> {
  /** Allocates `n` fresh ids, ascending. `txn`, when given, is the transaction to run in. */
  nextIds(n: number, txn?: T): Promise<number[]>;
  /** Highest id ever handed out (`last_value` of the sequence). */
  lastValue(): Promise<number>;
}

/** The `stream_positions` table: each writer's persisted position per stream. */
export interface PositionsStore {
  load(stream: string): Promise<Map<string, number>>;
  /** Forgets writers no longer configured, so a re-added writer starts fresh. */
  deleteOthers(stream: string, keep: readonly string[]): Promise<void>;
  /** Upserts with "only increase" semantics; runs outside any data transaction. */
  upsert(stream: string, instance: string, position: number): Promise<void>;
}

/** The stream's own tables, read at startup (§5.3 Startup step 3). */
export interface PersistedRowsSource {
  /** MAX(id) over the stream's tables, or 0 when they are empty. */
  maxId(): Promise<number>;
  /** Rows with id > `after`, ascending; `instanceName` null for rows older than multi-writer support. */
  rowsAfter(after: number): Promise<Array<{ streamId: number; instanceName: string | null }>>;
}

/** Ids handed out by `getNext`/`getNextMany`; call `finished` exactly once when the transaction ends. */
export interface IdAllocation {
  readonly ids: readonly number[];
  finished(committed: boolean): Promise<void>;
}
