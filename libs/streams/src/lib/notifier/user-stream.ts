import type { StreamToken } from '../tokens/stream-token';
import type { NotifierClock } from './notifier-clock';

/**
 * One user's view for the notifier: the rooms it is woken for, the token up to which something
 * may have changed for it, and the long-polls waiting on it.
 */
export class UserStream {
  readonly rooms = new Set<string>();
  private readonly listeners = new Set<(woken: boolean) => void>();
  private lastActiveMs: number;

  constructor(
    readonly userId: string,
    public currentToken: StreamToken,
    private readonly clock: NotifierClock,
  ) {
    this.lastActiveMs = clock.now();
  }

  /**
   * Resolves true as soon as the stream has moved beyond `prev` (at once if it already has),
   * false after `timeoutMs` without change.
   */
  waitBeyond(prev: StreamToken, timeoutMs: number): Promise<boolean> {
    if (!this.currentToken.isBeforeOrEq(prev)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const settle = (woken: boolean): void => {
        this.clock.clearTimeout(timer);
        this.listeners.delete(settle);
        this.lastActiveMs = this.clock.now();
        resolve(woken);
      };
      const timer = this.clock.setTimeout(() => settle(false), timeoutMs);
      this.listeners.add(settle);
    });
  }

  /** Moves the token and wakes every waiting long-poll synchronously. */
  notify(token: StreamToken): void {
    this.currentToken = token;
    this.lastActiveMs = this.clock.now();
    for (const listener of [...this.listeners]) listener(true);
  }

  isIdleSince(cutoffMs: number): boolean {
    return this.listeners.size === 0 && this.lastActiveMs < cutoffMs;
  }
}
