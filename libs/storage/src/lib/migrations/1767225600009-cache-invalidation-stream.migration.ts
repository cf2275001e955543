import { EngineMigration, createStreamSequence, type Engine } from './engine-migration';

/**
 * The `caches` stream (replication.md §4.3): every process tells the others which of their
 * caches a change made stale, in the transaction that makes it. One row per invalidation: the
 * cache, its stale keys (a JSON array of key tuples; NULL for the whole cache) and when. Rows are
 * only hints for processes that are running, so they are pruned after a week.
 *
 * Only worker mode writes rows; the table exists on SQLite as well, empty, so that the stream's id
 * generator and reads work the same on both engines.
 */
export class CacheInvalidationStream1767225600009 extends EngineMigration {
  readonly name = 'CacheInvalidationStream1767225600009';

  protected statements(engine: Engine): string[] {
    return [
      `CREATE TABLE cache_invalidation_stream_by_instance (
        stream_id BIGINT NOT NULL PRIMARY KEY,
        instance_name TEXT NOT NULL,
        cache_func TEXT NOT NULL,
        keys TEXT,
        invalidation_ts BIGINT NOT NULL
      )`,
      `CREATE INDEX cache_invalidation_stream_ts
        ON cache_invalidation_stream_by_instance (invalidation_ts)`,
      ...(engine === 'postgres' ? createStreamSequence('cache_invalidation_stream_seq') : []),
    ];
  }
}
