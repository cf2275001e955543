import { MatrixError } from '@chat/protocol';
import { RateLimiter } from './rate-limiter.service';

describe('RateLimiter', () => {
  let nowMs: number;
  let limiter: RateLimiter;
  const slow = { perSecond: 0.1, burstCount: 1 };

  beforeEach(() => {
    nowMs = 0;
    limiter = new RateLimiter(() => nowMs);
  });
  afterEach(() => limiter.onModuleDestroy());

  function retryAfter(fn: () => void): number | undefined {
    try {
      fn();
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(MatrixError);
      const e = error as MatrixError;
      expect(e.status).toBe(429);
      expect(e.errcode).toBe('M_LIMIT_EXCEEDED');
      expect(e.headers['Retry-After']).toBe(
        String(Math.ceil(Number(e.extra['retry_after_ms']) / 1000)),
      );
      return Number(e.extra['retry_after_ms']);
    }
  }

  it('follows Synapse: one action per 10 s with a burst of 1', () => {
    expect(retryAfter(() => limiter.check('k', slow))).toBeUndefined();
    nowMs = 5_000;
    expect(retryAfter(() => limiter.check('k', slow))).toBe(5_000);
    nowMs = 10_000;
    expect(retryAfter(() => limiter.check('k', slow))).toBeUndefined();
  });

  it('allows a burst, then refills at per_second', () => {
    const bucket = { perSecond: 1, burstCount: 3 };
    for (let i = 0; i < 3; i++) limiter.check('k', bucket);
    expect(retryAfter(() => limiter.check('k', bucket))).toBe(1_000);
    nowMs = 1_000;
    limiter.check('k', bucket);
    expect(retryAfter(() => limiter.check('k', bucket))).toBe(1_000);
  });

  it('keeps keys apart and forgets a key on reset', () => {
    limiter.check('a', slow);
    expect(retryAfter(() => limiter.check('a', slow))).toBe(10_000);
    expect(retryAfter(() => limiter.check('b', slow))).toBeUndefined();
    limiter.reset('a');
    expect(retryAfter(() => limiter.check('a', slow))).toBeUndefined();
  });

  it('only checks with update: false and honours cost', () => {
    const bucket = { perSecond: 1, burstCount: 5 };
    limiter.check('k', bucket, { update: false, cost: 5 });
    limiter.check('k', bucket, { cost: 4 });
    expect(retryAfter(() => limiter.check('k', bucket, { cost: 2 }))).toBe(1_000);
    limiter.check('k', bucket);
  });

  it('record counts without refusing, so the next check fails', () => {
    const bucket = { perSecond: 1, burstCount: 2 };
    limiter.record('k', bucket);
    limiter.record('k', bucket);
    limiter.record('k', bucket);
    expect(retryAfter(() => limiter.check('k', bucket))).toBe(2_000);
  });

  it('prunes drained buckets only', () => {
    const bucket = { perSecond: 1, burstCount: 10 };
    limiter.check('old', bucket);
    nowMs = 500;
    limiter.check('new', bucket);
    nowMs = 1_200;
    limiter.prune();
    expect(limiter.size).toBe(1);
    nowMs = 1_500;
    limiter.prune();
    expect(limiter.size).toBe(0);
  });
});
