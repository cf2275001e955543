import type {
  DbStreamName,
  DbStreamRecords,
  ReplicationRowsStore,
  StreamIdGenerators,
  StreamWriters,
} from '@chat/storage';
import { isWrittenByEveryProcess } from '@chat/streams';
import type { ReplicationStream, StreamUpdates } from '../core/replication-stream';
import type { RowCodec } from './row-codec';
import { readUpdatesPage } from './update-pages';

/** What a DB-backed stream is made of: its rows' codec and how table records become rows. */
export interface DbStreamDefinition<S extends DbStreamName, Row> {
  readonly name: S;
  readonly codec: RowCodec<Row>;
  /** The rows a record stands for, in wire order. */
  toRows(record: DbStreamRecords[S]): Row[];
  /** Rewrites a finished page into fewer rows under the same tokens (events' `state-all`). */
  compact?(updates: Array<[number, Row]>): Array<[number, Row]>;
}

/** What DB-backed streams read from. */
export interface DbStreamDeps {
  rows: ReplicationRowsStore;
  idGenerators: Pick<StreamIdGenerators, 'get'>;
  /**
   * `stream_writers`; a stream not listed is written by this instance, as storage assumes, unless
   * every process writes it (caches).
   */
  streamWriters: StreamWriters;
  instanceName: string;
}

/**
 * A stream whose rows are in the database (replication.md §3.5): positions from the stream's id
 * generator, catch-up and publication by reading committed rows back by stream id.
 */
export class DbReplicationStream<S extends DbStreamName, Row> implements ReplicationStream<Row> {
  readonly source = 'db' as const;
  readonly name: S;
  private readonly configuredWriters: readonly string[];

  constructor(
    private readonly definition: DbStreamDefinition<S, Row>,
    private readonly deps: DbStreamDeps,
  ) {
    this.name = definition.name;
    this.configuredWriters = isWrittenByEveryProcess(definition.name)
      ? []
      : (deps.streamWriters[definition.name] ?? [deps.instanceName]);
  }

  writers(): readonly string[] {
    return this.configuredWriters;
  }

  parseRow(json: unknown): Row {
    return this.definition.codec.parse(json);
  }

  encodeRow(row: Row): unknown[] {
    return this.definition.codec.encode(row);
  }

  currentToken(writer: string): number {
    return this.generator().currentTokenFor(writer);
  }

  minimalLocalCurrentToken(): number {
    return this.generator().minimalLocalCurrentToken();
  }

  /** Stream ids only grow, so a `POSITION` at or below what we know tells us nothing. */
  canDiscardPosition(writer: string, _prev: number, next: number): boolean {
    return next <= this.currentToken(writer);
  }

  async getUpdatesSince(
    writer: string,
    from: number,
    to: number,
    limit: number,
  ): Promise<StreamUpdates<Row>> {
    const page = await readUpdatesPage(
      (after, upTo, max) => this.deps.rows.rowsOf(this.name, { writer, after, upTo, limit: max }),
      (record) => this.definition.toRows(record),
      from,
      to,
      limit,
    );
    if (!this.definition.compact) return page;
    return { ...page, updates: this.definition.compact(page.updates) };
  }

  private generator() {
    return this.deps.idGenerators.get(this.name);
  }
}
