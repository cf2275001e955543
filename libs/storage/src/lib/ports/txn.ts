/**
 * A database transaction as stores see it. Handlers open one with `Database.runInteraction` when
 * several writes must commit together, and pass it to each store call. Callbacks registered with
 * `afterCommit` run once, after the final successful commit (never after a retried attempt);
 * `onRollback` callbacks run when the interaction finally fails — and also when an attempt that
 * registered them is rolled back to be retried (the re-run registers its own callbacks), so
 * stream ids allocated by a discarded attempt are finished rather than leaked. Stream id
 * generators hang their `markFinished` and replication pokes off these (replication.md §5.6).
 */
export interface Txn {
  readonly engine: 'sqlite' | 'postgres';
  /** Run SQL with `$1, $2…` placeholders (rewritten for SQLite); returns rows for SELECT/RETURNING. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  afterCommit(fn: () => void | Promise<void>): void;
  onRollback(fn: (err: unknown) => void | Promise<void>): void;
}

export abstract class Database {
  abstract readonly engine: 'sqlite' | 'postgres';
  /**
   * Run `fn` in a transaction. PostgreSQL: REPEATABLE READ, re-run up to 5 times on
   * serialization failure (40001) or deadlock (40P01). SQLite: serialised by the engine.
   */
  abstract runInteraction<T>(name: string, fn: (txn: Txn) => Promise<T>): Promise<T>;
  abstract close(): Promise<void>;
}
