import { isWrittenByEveryProcess, MultiWriterIdGenerator, type StreamName } from '@chat/streams';
import type { SqlDatabase } from '../database/sql-database';
import type { Txn } from '../ports/txn';
import { PgSequenceSource, SqlPersistedRows, SqlPositionsStore } from './sql-stream-sources';
import { STREAM_STORAGE, type StreamStorage } from './stream-tables';

export type StreamWriters = Partial<Record<StreamName, readonly string[]>>;

/** One id generator per stream with tables, built and checked at startup. */
export class StreamIdGenerators {
  private constructor(private readonly generators: Map<StreamName, MultiWriterIdGenerator<Txn>>) {}

  /**
   * PostgreSQL: every stream uses its sequence and `stream_positions`, after checking that the
   * sequence is not behind its tables. SQLite (one process only): an in-process counter.
   * Writers default to this instance alone; on PostgreSQL, a stream every process writes has no
   * writer list.
   */
  static async create(
    db: SqlDatabase,
    instanceName: string,
    streamWriters: StreamWriters = {},
  ): Promise<StreamIdGenerators> {
    const generators = new Map<StreamName, MultiWriterIdGenerator<Txn>>();
    const positionsStore = new SqlPositionsStore(db);
    for (const storage of STREAM_STORAGE) {
      const everyProcess = isWrittenByEveryProcess(storage.stream);
      const writers = everyProcess ? [] : (streamWriters[storage.stream] ?? [instanceName]);
      const persistedRows = new SqlPersistedRows(db, storage);
      if (db.engine === 'sqlite') {
        if (!everyProcess && (writers.length !== 1 || writers[0] !== instanceName)) {
          throw new Error(
            `stream ${storage.stream} has writers ${JSON.stringify(writers)}, but SQLite supports ` +
              `a single process only; use PostgreSQL for workers`,
          );
        }
        generators.set(
          storage.stream,
          await MultiWriterIdGenerator.singleWriter<Txn>({
            stream: storage.stream,
            instanceName,
            persistedRows,
          }),
        );
        continue;
      }
      const sequence = new PgSequenceSource(db, storage.sequence);
      await checkSequenceNotBehind(storage, sequence, persistedRows);
      generators.set(
        storage.stream,
        await MultiWriterIdGenerator.create<Txn>({
          stream: storage.stream,
          instanceName,
          writers,
          sequence,
          positionsStore,
          persistedRows,
        }),
      );
    }
    return new StreamIdGenerators(generators);
  }

  get(stream: StreamName): MultiWriterIdGenerator<Txn> {
    const generator = this.generators.get(stream);
    if (!generator) throw new Error(`no id generator for stream ${stream}`);
    return generator;
  }

  streams(): StreamName[] {
    return [...this.generators.keys()];
  }
}

/**
 * A restored dump can leave a sequence behind its table; handing out used ids would be silent
 * corruption. The table is read first: other writers may be allocating and committing meanwhile
 * (a persister restarting beside a live one), and every id already in the table came from the
 * sequence, so a later look at the sequence cannot find it behind — the other order could.
 */
export async function checkSequenceNotBehind(
  storage: Pick<StreamStorage, 'sequence' | 'tables'>,
  sequence: Pick<PgSequenceSource, 'lastValue'>,
  rows: Pick<SqlPersistedRows, 'maxId'>,
): Promise<void> {
  const maxId = await rows.maxId();
  const last = await sequence.lastValue();
  if (last < maxId) {
    const tables = storage.tables.map((t) => t.table).join(', ');
    throw new Error(
      `PostgreSQL sequence ${storage.sequence} (last value ${last}) is behind the highest id in ` +
        `${tables} (${maxId}); this happens when a database is restored without its sequences. ` +
        `Stop every process, run: SELECT setval('${storage.sequence}', ${maxId}); then start again.`,
    );
  }
}
