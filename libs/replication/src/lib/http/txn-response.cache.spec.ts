import { TxnResponseCache } from './txn-response.cache';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('TxnResponseCache', () => {
  let cache: TxnResponseCache;
  beforeEach(() => (cache = new TxnResponseCache(30 * 60 * 1_000)));
  afterEach(() => {
    cache.onModuleDestroy();
    jest.useRealTimers();
  });

  it('runs a key once: later and concurrent requests share its response', async () => {
    const work = deferred<{ n: number }>();
    const run = jest.fn(() => work.promise);
    const first = cache.wrap('send_events/abc', run);
    const second = cache.wrap('send_events/abc', run);
    work.resolve({ n: 1 });
    expect(await first).toEqual({ n: 1 });
    expect(await second).toBe(await first);
    expect(await cache.wrap('send_events/abc', run)).toEqual({ n: 1 });
    await Promise.resolve();
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('keeps keys apart', async () => {
    expect(await cache.wrap('a', async () => 1)).toBe(1);
    expect(await cache.wrap('b', async () => 2)).toBe(2);
  });

  it('forgets a failure, so a retry runs again', async () => {
    await expect(cache.wrap('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(await cache.wrap('k', async () => 'second try')).toBe('second try');
  });

  it('turns a handler that throws synchronously into a rejection', async () => {
    const run = (): Promise<never> => {
      throw new Error('sync');
    };
    await expect(cache.wrap('k', run)).rejects.toThrow('sync');
    expect(cache.size).toBe(0);
  });

  it('forgets a response once it has been kept for the whole lifetime', async () => {
    jest.useFakeTimers();
    cache = new TxnResponseCache(1_000);
    await cache.wrap('k', async () => 'first');
    await Promise.resolve();
    jest.advanceTimersByTime(999);
    expect(await cache.wrap('k', async () => 'second')).toBe('first');
    jest.advanceTimersByTime(1);
    expect(cache.size).toBe(0);
    expect(await cache.wrap('k', async () => 'second')).toBe('second');
  });
});
