import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@nestjs/common';
import type BetterSqlite3 from 'better-sqlite3';
import { QueryFailedError, type DataSource, type QueryRunner } from 'typeorm';
import { Database, type Txn } from '../ports/txn';
import { AsyncMutex } from './async-mutex';
import { toSqlitePlaceholders } from './sql-placeholders';

/** Attempts per interaction before a serialization failure or deadlock is given up on (§5.6). */
export const MAX_INTERACTION_ATTEMPTS = 5;
const RETRYABLE_PG_CODES = new Set(['40001', '40P01']);
/** Prepared SQLite statements kept; SQL text is mostly static, IN-lists vary in length. */
const SQLITE_STATEMENT_CACHE_SIZE = 500;

type Row = Record<string, unknown>;
/** The part of pg's Pool used here. */
interface PgPool {
  query(sql: string, params: unknown[]): Promise<{ rows: unknown[] }>;
}
type Hooks = {
  commit: Array<() => void | Promise<void>>;
  rollback: Array<(err: unknown) => void | Promise<void>>;
};

class SqlTxn implements Txn {
  finished = false;

  constructor(
    readonly engine: 'sqlite' | 'postgres',
    private readonly name: string,
    private readonly exec: (sql: string, params: unknown[]) => Promise<Row[]>,
    private readonly hooks: Hooks,
  ) {}

  query<T = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (this.finished) {
      return Promise.reject(new Error(`transaction ${this.name} has already ended`));
    }
    return this.exec(sql, params) as Promise<T[]>;
  }

  afterCommit(fn: () => void | Promise<void>): void {
    this.hooks.commit.push(fn);
  }

  onRollback(fn: (err: unknown) => void | Promise<void>): void {
    this.hooks.rollback.push(fn);
  }
}

/**
 * `Database` over a TypeORM DataSource. Each interaction holds one QueryRunner (one connection)
 * for its transaction. PostgreSQL runs REPEATABLE READ and re-runs the function on 40001/40P01;
 * SQLite writes through one connection, so interactions and standalone writes take turns on a
 * mutex; standalone reads of a file database use a read-only connection of their own.
 */
export class SqlDatabase extends Database {
  readonly engine: 'sqlite' | 'postgres';
  private readonly logger = new Logger('Database');
  private readonly mutex = new AsyncMutex();
  private readonly current = new AsyncLocalStorage<{ active: boolean; name: string }>();
  /** Prepared statements of the SQLite connection. */
  private readonly sqliteStatements = new Map<string, BetterSqlite3.Statement>();
  /**
   * SQLite file databases get a second, read-only connection for standalone reads: in WAL mode
   * it sees every committed write and never waits for the writer's transactions, so reads skip
   * the queue every write has to take.
   */
  private sqliteReader: BetterSqlite3.Database | null = null;
  private readonly readerStatements = new Map<string, BetterSqlite3.Statement>();

  constructor(readonly dataSource: DataSource) {
    super();
    this.engine = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  async runInteraction<T>(name: string, fn: (txn: Txn) => Promise<T>): Promise<T> {
    const outer = this.current.getStore();
    if (outer?.active) {
      throw new Error(
        `runInteraction(${name}) called inside ${outer.name}; pass that transaction instead`,
      );
    }
    for (let attempt = 1; ; attempt++) {
      // Hooks belong to one attempt: a retried attempt rolled back, so only its onRollback runs.
      const hooks: Hooks = { commit: [], rollback: [] };
      let result: T;
      try {
        result = await this.exclusive(() => this.attempt(name, fn, hooks));
      } catch (err) {
        await this.runRollbackHooks(name, hooks, err);
        if (attempt < MAX_INTERACTION_ATTEMPTS && isRetryable(err)) {
          this.logger.debug(`${name}: ${errorCode(err)}, retrying (attempt ${attempt + 1})`);
          continue;
        }
        throw err;
      }
      await runCommitHooks(hooks);
      return result;
    }
  }

  /** One statement outside any interaction (autocommit): hot-path reads, position upserts. */
  query<T = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (this.engine === 'postgres') return this.poolQuery<T>(sql, params);
    const reader = this.readerFor(sql, params);
    if (reader) {
      try {
        return Promise.resolve(runSqlite(reader.statement, reader.params) as T[]);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.exclusive(async () => {
      const runner = this.dataSource.createQueryRunner();
      try {
        return (await this.exec(runner, sql, params)) as T[];
      } finally {
        await runner.release();
      }
    });
  }

  async close(): Promise<void> {
    this.sqliteReader?.close();
    this.sqliteReader = null;
    if (this.dataSource.isInitialized) {
      await this.exclusive(() => this.dataSource.destroy());
    }
  }

  private async attempt<T>(name: string, fn: (txn: Txn) => Promise<T>, hooks: Hooks): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    const context = { active: true, name };
    const txn = new SqlTxn(
      this.engine,
      name,
      (sql, params) => this.exec(runner, sql, params),
      hooks,
    );
    try {
      await runner.connect();
      await runner.startTransaction(this.engine === 'postgres' ? 'REPEATABLE READ' : undefined);
      const result = await this.current.run(context, () => fn(txn));
      await runner.commitTransaction();
      return result;
    } catch (err) {
      if (runner.isTransactionActive) {
        await runner.rollbackTransaction().catch((rollbackErr: unknown) => {
          this.logger.warn(`${name}: rollback failed: ${String(rollbackErr)}`);
        });
      }
      throw err;
    } finally {
      context.active = false;
      txn.finished = true;
      await runner.release();
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.engine === 'sqlite' ? this.mutex.run(fn) : fn();
  }

  private async exec(runner: QueryRunner, sql: string, params: unknown[]): Promise<Row[]> {
    if (this.engine === 'postgres') {
      return (await runner.query(sql, params, true)).records as Row[];
    }
    const rewritten = toSqlitePlaceholders(sql, params);
    const driver = this.dataSource.driver as unknown as {
      databaseConnection: BetterSqlite3.Database;
    };
    const statement = cachedStatement(
      this.sqliteStatements,
      driver.databaseConnection,
      rewritten.sql,
    );
    return runSqlite(statement, rewritten.params.map(toSqliteValue));
  }

  /**
   * PostgreSQL standalone statements go straight to the driver's pool: a TypeORM QueryRunner
   * per statement (acquire, broadcast, map, release) cost more CPU than the query itself.
   */
  private async poolQuery<T>(sql: string, params: unknown[]): Promise<T[]> {
    const pool = (this.dataSource.driver as unknown as { master: PgPool }).master;
    try {
      return (await pool.query(sql, params)).rows as T[];
    } catch (err) {
      throw new QueryFailedError(sql, params, err as Error);
    }
  }

  /** The read-only statement for `sql` on the reader connection, or null if it must write. */
  private readerFor(
    sql: string,
    params: unknown[],
  ): { statement: BetterSqlite3.Statement; params: unknown[] } | null {
    if (this.current.getStore()?.active) return null;
    const reader = this.reader();
    if (!reader) return null;
    const rewritten = toSqlitePlaceholders(sql, params);
    const statement = cachedStatement(this.readerStatements, reader, rewritten.sql);
    return statement.readonly ? { statement, params: rewritten.params.map(toSqliteValue) } : null;
  }

  private reader(): BetterSqlite3.Database | null {
    if (this.sqliteReader || !this.dataSource.isInitialized) return this.sqliteReader;
    const options = this.dataSource.options as { database?: unknown; driver?: unknown };
    const file = options.database;
    if (typeof file !== 'string' || file === ':memory:' || file === '') return null;
    const Driver = options.driver as new (
      file: string,
      opts: { readonly: boolean; fileMustExist: boolean },
    ) => BetterSqlite3.Database;
    this.sqliteReader = new Driver(file, { readonly: true, fileMustExist: true });
    return this.sqliteReader;
  }

  private async runRollbackHooks(name: string, hooks: Hooks, err: unknown): Promise<void> {
    for (const hook of hooks.rollback) {
      try {
        await hook(err);
      } catch (hookErr) {
        // The interaction's own error is what the caller must see.
        this.logger.error(`${name}: onRollback hook failed: ${String(hookErr)}`);
      }
    }
  }
}

async function runCommitHooks(hooks: Hooks): Promise<void> {
  let firstError: unknown;
  for (const hook of hooks.commit) {
    try {
      await hook();
    } catch (err) {
      firstError ??= err;
    }
  }
  if (firstError !== undefined) throw firstError;
}

function cachedStatement(
  cache: Map<string, BetterSqlite3.Statement>,
  connection: BetterSqlite3.Database,
  sql: string,
): BetterSqlite3.Statement {
  let statement = cache.get(sql);
  if (!statement) {
    statement = connection.prepare(sql);
    cache.set(sql, statement);
    if (cache.size > SQLITE_STATEMENT_CACHE_SIZE) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
  }
  return statement;
}

/** Runs a prepared statement; declared BOOLEAN columns come back as booleans. */
function runSqlite(statement: BetterSqlite3.Statement, bound: unknown[]): Row[] {
  if (!statement.reader) {
    statement.run(...bound);
    return [];
  }
  const booleans = statement
    .columns()
    .filter((column) => column.type?.toUpperCase() === 'BOOLEAN')
    .map((column) => column.name);
  const rows = statement.all(...bound) as Row[];
  if (booleans.length > 0) {
    for (const row of rows) {
      for (const column of booleans) {
        if (row[column] !== null) row[column] = Boolean(row[column]);
      }
    }
  }
  return rows;
}

function toSqliteValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value === undefined ? null : value;
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, driverError } = err as { code?: unknown; driverError?: { code?: unknown } };
  const value = code ?? driverError?.code;
  return typeof value === 'string' ? value : undefined;
}

function isRetryable(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && RETRYABLE_PG_CODES.has(code);
}
