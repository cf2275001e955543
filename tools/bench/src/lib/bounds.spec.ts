import {
  type Clock,
  dueAt,
  LoopGuard,
  plannedSends,
  pool,
  retryRateLimited,
  sleep,
} from './bounds';
import { RequestError } from './errors';

class FakeClock implements Clock {
  t = 1_000;
  now(): number {
    return this.t;
  }
}

const drain = (guard: LoopGuard, onEach: () => void = () => undefined): number[] => {
  const claimed: number[] = [];
  for (let k = guard.next(); k !== undefined; k = guard.next()) {
    claimed.push(k);
    onEach();
  }
  return claimed;
};

describe('LoopGuard', () => {
  it('stops at the iteration cap', () => {
    const guard = new LoopGuard({ maxIterations: 3, durationMs: 60_000 }, new FakeClock());
    expect(drain(guard)).toEqual([0, 1, 2]);
    expect(guard.claimed).toBe(3);
  });

  it('stops once the duration has passed', () => {
    const clock = new FakeClock();
    const guard = new LoopGuard({ maxIterations: 1_000, durationMs: 250 }, clock);
    expect(drain(guard, () => (clock.t += 100))).toEqual([0, 1, 2]);
  });

  it('stops when its signal aborts', () => {
    const abort = new AbortController();
    const guard = new LoopGuard(
      { maxIterations: 1_000, durationMs: 60_000, signal: abort.signal },
      new FakeClock(),
    );
    let n = 0;
    expect(drain(guard, () => ++n === 2 && abort.abort())).toEqual([0, 1]);
  });

  it('claims nothing with a zero cap or an already aborted signal', () => {
    expect(drain(new LoopGuard({ maxIterations: 0, durationMs: 1_000 }, new FakeClock()))).toEqual(
      [],
    );
    const guard = new LoopGuard({
      maxIterations: 5,
      durationMs: 1_000,
      signal: AbortSignal.abort(),
    });
    expect(drain(guard)).toEqual([]);
  });
});

describe('fixed-rate schedule', () => {
  it('plans rate × duration sends, capped by count', () => {
    expect(plannedSends(100, 20, 1_000_000)).toBe(2_000);
    expect(plannedSends(100, 20, 500)).toBe(500);
    expect(plannedSends(0.5, 3, 100)).toBe(1);
  });

  it('spaces send k at k / rate from the start', () => {
    expect(dueAt(1_000, 0, 10)).toBe(1_000);
    expect(dueAt(1_000, 25, 10)).toBe(3_500);
  });
});

describe('pool', () => {
  it('keeps at most `width` tasks in flight and the results in index order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await pool(10, 3, async (i) => {
      peak = Math.max(peak, ++inFlight);
      await sleep(i % 3);
      inFlight--;
      return i * 2;
    });
    expect(peak).toBe(3);
    expect(results).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  it('starts no task after the signal aborts', async () => {
    const abort = new AbortController();
    const started: number[] = [];
    const run = pool(
      10,
      2,
      async (i) => {
        started.push(i);
        if (i === 2) abort.abort();
        await sleep(1);
      },
      abort.signal,
    );
    await expect(run).rejects.toThrow();
    expect(started).toEqual([0, 1, 2]);
  });
});

describe('sleep', () => {
  it('resolves at once when aborted', async () => {
    const abort = new AbortController();
    const slept = sleep(60_000, abort.signal);
    abort.abort();
    await expect(slept).resolves.toBeUndefined();
  });
});

describe('retryRateLimited', () => {
  const limited = (retryAfterMs?: number): RequestError =>
    new RequestError('M_LIMIT_EXCEEDED', 'slow down', { status: 429, retryAfterMs });

  it('retries 429s after the asked wait and returns the first success', async () => {
    let calls = 0;
    const value = await retryRateLimited(async () => {
      if (++calls < 3) throw limited(1);
      return 'ok';
    }, 5);
    expect(value).toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up after `attempts` calls', async () => {
    let calls = 0;
    const run = retryRateLimited(async () => {
      calls++;
      throw limited(1);
    }, 3);
    await expect(run).rejects.toMatchObject({ code: 'M_LIMIT_EXCEEDED' });
    expect(calls).toBe(3);
  });

  it('does not retry other errors, nor waits longer than a minute', async () => {
    let calls = 0;
    const forbidden = retryRateLimited(async () => {
      calls++;
      throw new RequestError('M_FORBIDDEN', 'no', { status: 403 });
    }, 5);
    await expect(forbidden).rejects.toMatchObject({ code: 'M_FORBIDDEN' });
    const tooLong = retryRateLimited(async () => {
      calls++;
      throw limited(3_600_000);
    }, 5);
    await expect(tooLong).rejects.toMatchObject({ code: 'M_LIMIT_EXCEEDED' });
    expect(calls).toBe(2);
  });
});
