import { performance } from 'node:perf_hooks';
import { RequestError } from './errors';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = performance;

/**
 * Guards one loop: it ends at whichever comes first, `maxIterations`, `durationMs` after start,
 * or the abort of `signal`. Every loop in the harness runs under one, so none can spin forever.
 */
export class LoopGuard {
  private iterations = 0;
  private readonly endsAt: number;

  constructor(
    private readonly limits: { maxIterations: number; durationMs: number; signal?: AbortSignal },
    private readonly clock: Clock = systemClock,
  ) {
    this.endsAt = clock.now() + limits.durationMs;
  }

  /** Claims the next iteration: its index, or undefined once a bound is reached. */
  next(): number | undefined {
    if (this.limits.signal?.aborted) return undefined;
    if (this.iterations >= this.limits.maxIterations) return undefined;
    if (this.clock.now() >= this.endsAt) return undefined;
    return this.iterations++;
  }

  get claimed(): number {
    return this.iterations;
  }
}

/** Sends due in a fixed-rate window: rate × duration, capped by `count`. */
export function plannedSends(ratePerSecond: number, durationS: number, count: number): number {
  return Math.min(Math.floor(ratePerSecond * durationS), count);
}

/** When send k of a fixed-rate schedule is due: a slow response never delays later sends. */
export function dueAt(start: number, k: number, ratePerSecond: number): number {
  return start + (k * 1000) / ratePerSecond;
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `task` for 0..count-1 with at most `width` in flight; results keep the index order. Once
 * `signal` aborts no new task starts, and the pool rejects with the abort reason.
 */
export async function pool<T>(
  count: number,
  width: number,
  task: (i: number) => Promise<T>,
  signal?: AbortSignal,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      signal?.throwIfAborted();
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  return results;
}

/** A server-suggested wait is honoured up to this; longer ones fail the setup instead. */
const MAX_RETRY_WAIT_MS = 60_000;
const DEFAULT_RETRY_WAIT_MS = 1_000;

/**
 * Runs a setup request, retrying it (at most `attempts` times in all) while the server answers
 * 429 / M_LIMIT_EXCEEDED, after the wait it asks for: other servers keep their default rate
 * limits on registration and joins. Measured requests never retry; their 429s are counted.
 */
export async function retryRateLimited<T>(
  fn: () => Promise<T>,
  attempts: number,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const limited =
        err instanceof RequestError && (err.code === 'M_LIMIT_EXCEEDED' || err.status === 429);
      const waitMs = limited ? (err.answer.retryAfterMs ?? DEFAULT_RETRY_WAIT_MS) : 0;
      if (!limited || attempt >= attempts || waitMs > MAX_RETRY_WAIT_MS) throw err;
      await sleep(waitMs, signal);
      signal?.throwIfAborted();
    }
  }
}
