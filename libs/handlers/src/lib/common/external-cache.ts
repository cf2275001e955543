/** DI token for the cache every process shares (Redis, in worker mode; absent in a monolith). */
export const EXTERNAL_CACHE = Symbol('EXTERNAL_CACHE');

/**
 * Values that are expensive to compute, computed by one process and reused by the others until
 * their time to live runs out (replication.md §7.4). Best effort: a value the cache cannot give
 * (missing, expired, or the cache unreachable) is computed again, never an error.
 */
export interface ExternalCache {
  /** The value stored under `key` of `cache`, or undefined. */
  get<T>(cache: string, key: string): Promise<T | undefined>;
  /** Stores `value` (JSON) for `ttlMs`. */
  set(cache: string, key: string, value: unknown, ttlMs: number): Promise<void>;
  /** Forgets the value, for every process at once. */
  delete(cache: string, key: string): Promise<void>;
}
