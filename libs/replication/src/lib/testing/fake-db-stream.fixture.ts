import {
  InProcessSequence,
  MemoryPositionsStore,
  MultiWriterIdGenerator,
  type PersistedRowsSource,
} from '@chat/streams';
import type { ReplicationStream, StreamUpdates } from '../core/replication-stream';

/** A row of the fake stream: one label, so tests can tell rows apart. */
export type FakeRow = readonly [label: string];

interface StoredRow {
  token: number;
  writer: string;
  row: FakeRow;
}

/**
 * The database the simulated processes share: one stream's table, its sequence and
 * `stream_positions`. Catch-up reads it like the PostgreSQL update functions do.
 */
export class FakeStreamTable {
  readonly sequence = new InProcessSequence(1);
  readonly positions = new MemoryPositionsStore();
  private readonly stored: StoredRow[] = [];

  readonly persistedRows: PersistedRowsSource = {
    maxId: async () => Math.max(0, ...this.stored.map((r) => r.token)),
    rowsAfter: async (after) =>
      this.stored
        .filter((r) => r.token > after)
        .sort((a, b) => a.token - b.token)
        .map((r) => ({ streamId: r.token, instanceName: r.writer })),
  };

  insert(token: number, writer: string, rows: readonly FakeRow[]): void {
    for (const row of rows) this.stored.push({ token, writer, row });
  }

  /** The writer's rows in token order (insertion order within a token), as `[token, row]`. */
  rowsOf(writer: string): Array<[number, FakeRow]> {
    return this.stored
      .filter((r) => r.writer === writer)
      .sort((a, b) => a.token - b.token)
      .map((r) => [r.token, r.row]);
  }

  /** The writer's rows as `token:label`, the form replicating processes record them in. */
  rowKeysOf(writer: string): string[] {
    return this.rowsOf(writer).map(([token, [label]]) => `${token}:${label}`);
  }

  /** `WHERE from < token <= to AND writer = ? ORDER BY token LIMIT n`, never splitting a token. */
  page(writer: string, from: number, to: number, limit: number): StreamUpdates<FakeRow> {
    const rows = this.rowsOf(writer).filter(([token]) => from < token && token <= to);
    if (rows.length <= limit) return { updates: rows, uptoToken: to, limited: false };
    let end = limit;
    while (end > 1 && rows[end - 1][0] === rows[end][0]) end--;
    // A single token with more rows than a page goes out whole rather than never.
    while (end < rows.length && rows[end - 1][0] === rows[end][0]) end++;
    return { updates: rows.slice(0, end), uptoToken: rows[end - 1][0], limited: true };
  }
}

export interface FakeDbStreamOptions {
  name: string;
  instanceName: string;
  /** `[]`: any process writes (caches). */
  writers: readonly string[];
  /** Like typing: positions may go backwards, so none can be discarded. */
  resets?: boolean;
}

/** A local transaction on the stream: one id, committed with rows or rolled back. */
export interface FakeWrite {
  readonly token: number;
  commit(rows: readonly FakeRow[]): Promise<void>;
  rollback(): Promise<void>;
}

/**
 * One process's view of a DB-backed stream: positions from a real `MultiWriterIdGenerator`, rows
 * from the shared table. Writers write through it; receivers advance it from replication.
 */
export class FakeDbStream implements ReplicationStream<FakeRow> {
  readonly source = 'db' as const;
  readonly name: string;

  private constructor(
    readonly table: FakeStreamTable,
    readonly generator: MultiWriterIdGenerator,
    private readonly options: FakeDbStreamOptions,
  ) {
    this.name = options.name;
  }

  static async open(table: FakeStreamTable, options: FakeDbStreamOptions): Promise<FakeDbStream> {
    const generator = await MultiWriterIdGenerator.create({
      stream: options.name,
      instanceName: options.instanceName,
      writers: options.writers,
      sequence: table.sequence,
      positionsStore: table.positions,
      persistedRows: table.persistedRows,
    });
    return new FakeDbStream(table, generator, options);
  }

  writers(): readonly string[] {
    return this.options.writers;
  }

  parseRow(json: unknown): FakeRow {
    if (!Array.isArray(json) || json.length !== 1 || typeof json[0] !== 'string') {
      throw new Error(`malformed ${this.name} row: ${JSON.stringify(json)}`);
    }
    return [json[0]];
  }

  encodeRow(row: FakeRow): unknown[] {
    return [...row];
  }

  currentToken(writer: string): number {
    return this.generator.currentTokenFor(writer);
  }

  minimalLocalCurrentToken(): number {
    return this.generator.minimalLocalCurrentToken();
  }

  canDiscardPosition(writer: string, _prev: number, next: number): boolean {
    return !this.options.resets && next <= this.currentToken(writer);
  }

  async getUpdatesSince(
    writer: string,
    from: number,
    to: number,
    limit: number,
  ): Promise<StreamUpdates<FakeRow>> {
    return this.table.page(writer, from, to, limit);
  }

  /** The receiver's "advance position" step. */
  advance(writer: string, token: number): void {
    this.generator.advance(writer, token);
  }

  async begin(): Promise<FakeWrite> {
    const { id, finished } = await this.generator.getNext();
    return {
      token: id,
      commit: async (rows) => {
        this.table.insert(id, this.options.instanceName, rows);
        await finished(true);
      },
      rollback: () => finished(false),
    };
  }

  /** Writes rows sharing one new token and returns it. */
  async write(...rows: FakeRow[]): Promise<number> {
    const txn = await this.begin();
    await txn.commit(rows);
    return txn.token;
  }
}
