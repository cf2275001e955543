import { logger } from 'matrix-js-sdk/lib/logger';

/** Timers at least this long are the SDK's request timeouts, never anything a test waits for. */
const LONG_TIMER_MS = 60_000;

/**
 * Process-wide matrix-js-sdk settings for a suite that runs its sync loop, from its first hook to
 * its last.
 * - The module-level logger, which the per-client logger of SdkHarness does not replace, logs
 *   every sync at debug level and every failed one, even after a deliberate server kill, as an
 *   error with its stack: it is silenced, and the suites' assertions say what went wrong.
 * - Every /sync request arms a plain `setTimeout` of the long-poll plus 80 s that the SDK never
 *   clears (`timeoutSignal` in its http-api), so a stopped client would hold jest open for up
 *   to two minutes after the run: such long timers are unref'd.
 */
export function settleSdkForSyncLoops(): void {
  let restore: (() => void) | undefined;
  beforeAll(() => {
    restore = settle();
  });
  afterAll(() => restore?.());
}

/** Applies the settings; returns their undo. */
function settle(): () => void {
  const levels = logger as unknown as {
    getLevel(): number;
    setLevel(level: number | 'silent'): void;
  };
  const level = levels.getLevel();
  levels.setLevel('silent');

  const setTimeoutBefore = globalThis.setTimeout;
  const unrefLong = (...args: Parameters<typeof setTimeout>): NodeJS.Timeout => {
    const timer = setTimeoutBefore(...args);
    if ((args[1] ?? 0) >= LONG_TIMER_MS) timer.unref();
    return timer;
  };
  globalThis.setTimeout = Object.assign(unrefLong, setTimeoutBefore);

  return () => {
    globalThis.setTimeout = setTimeoutBefore;
    levels.setLevel(level);
  };
}
