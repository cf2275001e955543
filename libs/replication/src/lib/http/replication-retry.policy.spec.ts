import { RETRY_TIMING, retryDelayMs } from './replication-retry.policy';

const both = { retryOnTimeout: true, retryOnConnectError: true };

describe('the retry policy (§6.4)', () => {
  it('retries a timeout after a second, however many came before', () => {
    for (const connectFailures of [0, 3, 100]) {
      expect(retryDelayMs('timeout', connectFailures, both)).toBe(1_000);
    }
  });

  it('retries a connection failure five times, waiting 2, 4, 8, 16 and 32 s', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((n) => retryDelayMs('connect', n, both));
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, null]);
  });

  it('scales the back-off with an injected base', () => {
    const timing = { ...RETRY_TIMING, connectBackoffBaseMs: 1 };
    expect([1, 5, 6].map((n) => retryDelayMs('connect', n, both, timing))).toEqual([2, 32, null]);
  });

  it('never retries other failures', () => {
    expect(retryDelayMs('other', 0, both)).toBeNull();
  });

  it('honours an endpoint that disables either kind', () => {
    expect(retryDelayMs('timeout', 0, { ...both, retryOnTimeout: false })).toBeNull();
    expect(retryDelayMs('connect', 1, { ...both, retryOnConnectError: false })).toBeNull();
    expect(retryDelayMs('connect', 1, { ...both, retryOnTimeout: false })).toBe(2_000);
  });
});
