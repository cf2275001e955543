/** How a failed attempt failed, as far as retrying goes. */
export type AttemptFailure = 'timeout' | 'connect' | 'other';

export interface RetryTiming {
  /** Pause before re-sending a timed-out request. */
  timeoutRetryDelayMs: number;
  /** Refused or unresolvable connections retried before giving up. */
  connectRetries: number;
  /** The n-th connection failure waits `base · 2^n` (§6.4: 2 s, 4 s … 32 s). */
  connectBackoffBaseMs: number;
}

/** §6.4's values (Synapse's). */
export const RETRY_TIMING: RetryTiming = {
  timeoutRetryDelayMs: 1_000,
  connectRetries: 5,
  connectBackoffBaseMs: 1_000,
};

export interface RetrySwitches {
  retryOnTimeout: boolean;
  retryOnConnectError: boolean;
}

/**
 * The pause before the next attempt, or null to give up (§6.4). Timeouts are retried without a
 * bound, so the caller learns whether the write happened (the txn id makes the retry safe);
 * connection failures `connectRetries` times. `connectFailures` counts this failure.
 */
export function retryDelayMs(
  failure: AttemptFailure,
  connectFailures: number,
  switches: RetrySwitches,
  timing: RetryTiming = RETRY_TIMING,
): number | null {
  if (failure === 'timeout') return switches.retryOnTimeout ? timing.timeoutRetryDelayMs : null;
  if (failure === 'connect' && switches.retryOnConnectError) {
    return connectFailures > timing.connectRetries
      ? null
      : timing.connectBackoffBaseMs * 2 ** connectFailures;
  }
  return null;
}
