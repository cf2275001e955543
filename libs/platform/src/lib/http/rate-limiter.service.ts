import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { RateLimitConfig } from '@chat/config';
import { MatrixError } from '@chat/protocol';

interface Bucket {
  /** Actions counted since `startMs`; drains at `perSecond`. */
  count: number;
  startMs: number;
  perSecond: number;
}

/** A bucket configured never to refill still needs a finite retry hint. */
const NO_REFILL_RETRY_MS = 24 * 60 * 60 * 1000;
const PRUNE_INTERVAL_MS = 60_000;

/**
 * Token buckets per key with Synapse's `Ratelimiter` semantics: `burstCount` actions at once,
 * refilled at `perSecond`. In-process only, as in Synapse (each worker limits what it serves).
 */
@Injectable()
export class RateLimiter implements OnModuleDestroy {
  private readonly buckets = new Map<string, Bucket>();
  private readonly pruneTimer: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    // Drained buckets hold no information, so dropping them keeps memory bounded.
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  /**
   * Counts `cost` actions (default 1) against `key`, or throws M_LIMIT_EXCEEDED when they do not
   * fit. With `update: false` it only checks, counting nothing.
   */
  check(
    key: string,
    bucket: RateLimitConfig,
    opts: { update?: boolean; cost?: number } = {},
  ): void {
    const { update = true, cost = 1 } = opts;
    const nowMs = this.now();
    const state = this.current(key, bucket, nowMs);
    const performed = this.performed(state, nowMs);
    // Written this way round (not `performed + cost > burst`) to dodge float rounding, as Synapse.
    const allowed = performed <= bucket.burstCount - cost;
    if (allowed) {
      state.count += cost;
    }
    if (update) {
      this.buckets.set(key, state);
    }
    if (!allowed) {
      throw MatrixError.limitExceeded(this.retryAfterMs(state, bucket, cost, nowMs));
    }
  }

  /** Counts actions without ever refusing, e.g. failed login attempts checked later. */
  record(key: string, bucket: RateLimitConfig, cost = 1): void {
    const nowMs = this.now();
    const state = this.current(key, bucket, nowMs);
    state.count += cost;
    this.buckets.set(key, state);
  }

  reset(key: string): void {
    this.buckets.delete(key);
  }

  /** Drops every bucket that has drained completely. */
  prune(): void {
    const nowMs = this.now();
    for (const [key, state] of this.buckets) {
      if (this.performed(state, nowMs) <= 0) {
        this.buckets.delete(key);
      }
    }
  }

  /** How many buckets are held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  onModuleDestroy(): void {
    clearInterval(this.pruneTimer);
  }

  /** A copy of the key's bucket, restarted when it has drained. */
  private current(key: string, bucket: RateLimitConfig, nowMs: number): Bucket {
    const stored = this.buckets.get(key);
    if (!stored || this.performed({ ...stored, perSecond: bucket.perSecond }, nowMs) <= 0) {
      return { count: 0, startMs: nowMs, perSecond: bucket.perSecond };
    }
    return { ...stored, perSecond: bucket.perSecond };
  }

  private performed(state: Bucket, nowMs: number): number {
    return state.count - ((nowMs - state.startMs) / 1000) * Math.max(state.perSecond, 0);
  }

  /** When `cost` more actions fit (Synapse's formula, which assumes a cost of 1, generalised). */
  private retryAfterMs(
    state: Bucket,
    bucket: RateLimitConfig,
    cost: number,
    nowMs: number,
  ): number {
    if (bucket.perSecond <= 0) {
      return NO_REFILL_RETRY_MS;
    }
    const allowedAtMs =
      state.startMs + ((state.count - bucket.burstCount + cost) / bucket.perSecond) * 1000;
    return Math.max(0, Math.ceil(allowedAtMs - nowMs));
  }
}
