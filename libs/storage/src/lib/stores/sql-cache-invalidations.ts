import type { MultiWriterIdGenerator } from '@chat/streams';
import type { SqlDatabase } from '../database/sql-database';
import {
  CacheInvalidations,
  type CacheInvalidationReceiver,
  type CacheKey,
  type CacheName,
} from '../ports/cache-invalidations';
import type { Txn } from '../ports/txn';

/**
 * Invalidations over `cache_invalidation_stream_by_instance`. Rows are written only when other
 * processes share the database (worker mode, on PostgreSQL): a monolith — every SQLite database
 * among them — has no one to tell, so it only invalidates its own caches and its table stays empty.
 */
export class SqlCacheInvalidations extends CacheInvalidations {
  private readonly receivers = new Map<string, CacheInvalidationReceiver>();

  constructor(
    private readonly db: SqlDatabase,
    private readonly ids: MultiWriterIdGenerator<Txn>,
    private readonly sharedWithOtherProcesses: boolean,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  register(cache: CacheName, receiver: CacheInvalidationReceiver): void {
    if (this.receivers.has(cache)) throw new Error(`cache ${cache} has a receiver already`);
    this.receivers.set(cache, receiver);
  }

  async invalidateInTxn(
    txn: Txn,
    cache: CacheName,
    keys: readonly CacheKey[] | null,
  ): Promise<void> {
    if (keys?.length === 0) return;
    // After the commit: a lookup that overlapped the transaction may have cached the old value.
    txn.afterCommit(() => this.invalidateHere(cache, keys));
    if (!this.sharedWithOtherProcesses) return;
    const streamId = await this.ids.getNextInTxn(txn);
    await txn.query(
      `INSERT INTO cache_invalidation_stream_by_instance
         (stream_id, instance_name, cache_func, keys, invalidation_ts)
       VALUES ($1, $2, $3, $4, $5)`,
      [
        streamId,
        this.ids.instanceName,
        cache,
        keys === null ? null : JSON.stringify(keys),
        this.now(),
      ],
    );
  }

  received(cache: string, key: CacheKey | null): void {
    // A cache this version does not have (or Synapse's batching pseudo-caches): nothing to drop.
    this.receivers.get(cache)?.(key);
  }

  async pruneBefore(beforeTs: number, limit: number): Promise<number> {
    const deleted = await this.db.query(
      `DELETE FROM cache_invalidation_stream_by_instance WHERE stream_id IN (
         SELECT stream_id FROM cache_invalidation_stream_by_instance
         WHERE invalidation_ts < $1 ORDER BY stream_id LIMIT $2
       ) RETURNING stream_id`,
      [beforeTs, limit],
    );
    return deleted.length;
  }

  private invalidateHere(cache: CacheName, keys: readonly CacheKey[] | null): void {
    const receiver = this.receivers.get(cache);
    if (!receiver) return;
    if (keys === null) receiver(null);
    else for (const key of keys) receiver(key);
  }
}
