import type { Txn } from './txn';

/**
 * The caches whose invalidations reach every process through the `caches` stream, by the name
 * the stream carries (replication.md §4.3; Synapse's cache name where it has one). Only caches
 * that no domain stream invalidates belong here.
 */
export const CACHE_NAMES = {
  /** Resolved access tokens; key: `[token hash]`. */
  accessTokens: 'get_user_by_access_token',
} as const;

export type CacheName = (typeof CACHE_NAMES)[keyof typeof CACHE_NAMES];

/** A cache key as the stream carries it: a tuple of strings. */
export type CacheKey = readonly string[];

/** Drops `key` from this process's cache, or everything in it when `key` is null. */
export type CacheInvalidationReceiver = (key: CacheKey | null) => void;

/**
 * Cluster-wide invalidation (replication.md §7.4). A write says, in its own transaction, which
 * keys of a cache it made stale; once it commits, this process's cache drops them, and every
 * other process drops them when the `caches` row written in that transaction reaches it. Each
 * cache registers the one receiver that does the dropping, wherever the invalidation came from.
 */
export abstract class CacheInvalidations {
  /** What invalidating `cache` does in this process; a cache has one receiver. */
  abstract register(cache: CacheName, receiver: CacheInvalidationReceiver): void;

  /** `keys` of `cache` (null: all of it) are stale once `txn` commits; no keys, no effect. */
  abstract invalidateInTxn(
    txn: Txn,
    cache: CacheName,
    keys: readonly CacheKey[] | null,
  ): Promise<void>;

  /** Another process's invalidation, from a replicated `caches` row. */
  abstract received(cache: string, key: CacheKey | null): void;

  /** Deletes at most `limit` of the oldest rows written before `beforeTs`; returns how many. */
  abstract pruneBefore(beforeTs: number, limit: number): Promise<number>;
}
