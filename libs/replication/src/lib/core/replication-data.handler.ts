import type { StreamRegistry } from './stream-registry';

/**
 * The steps of applying replicated rows, in the order §3.7 requires: caches are invalidated
 * before the position moves, so whoever waits for the position reads fresh data; then role hooks
 * (federation sender, pushers, typing, presence), then notifier wake-ups. Position waiters are
 * woken last, by the data handler itself.
 */
export const APPLY_STEPS = ['invalidateCaches', 'advancePosition', 'roleHooks', 'notify'] as const;

export type ApplyStep = (typeof APPLY_STEPS)[number];

/** Rows of one token from one writer; no rows means the writer's position moved to `token`. */
export interface AppliedRows {
  stream: string;
  writer: string;
  token: number;
  rows: readonly unknown[];
}

export type ApplyHook = (applied: AppliedRows) => void | Promise<void>;

/** Where the command handler hands validated rows. */
export interface RowsApplier {
  applyRows(stream: string, writer: string, token: number, rows: readonly unknown[]): Promise<void>;
}

interface Waiter {
  writer: string;
  token: number;
  settle(reached: boolean): void;
}

/** Runs the owner's hooks step by step for every applied token, and wakes position waiters. */
export class ReplicationDataHandler implements RowsApplier {
  private readonly hooks: Record<ApplyStep, ApplyHook[]> = {
    invalidateCaches: [],
    advancePosition: [],
    roleHooks: [],
    notify: [],
  };
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(private readonly registry: StreamRegistry) {}

  /** Hooks of one step run in registration order, each awaited. */
  addHook(step: ApplyStep, hook: ApplyHook): void {
    this.hooks[step].push(hook);
  }

  async applyRows(
    stream: string,
    writer: string,
    token: number,
    rows: readonly unknown[],
  ): Promise<void> {
    const applied: AppliedRows = { stream, writer, token, rows };
    for (const step of APPLY_STEPS) {
      for (const hook of this.hooks[step]) await hook(applied);
    }
    for (const waiter of this.waiters.get(stream) ?? []) {
      if ((waiter.writer === writer && token >= waiter.token) || this.reached(stream, waiter)) {
        waiter.settle(true);
      }
    }
  }

  /**
   * Resolves true once `writer`'s position on `stream` is at least `token` (at once if it already
   * is), false after `timeoutMs`. Read-your-writes across processes waits here (§6.3).
   */
  waitForStreamPosition(
    stream: string,
    writer: string,
    token: number,
    timeoutMs: number,
  ): Promise<boolean> {
    if (this.reached(stream, { writer, token })) return Promise.resolve(true);
    const waiters = this.waiters.get(stream) ?? new Set<Waiter>();
    this.waiters.set(stream, waiters);
    return new Promise((resolve) => {
      const timer = setTimeout(() => waiter.settle(false), timeoutMs).unref();
      const waiter: Waiter = {
        writer,
        token,
        settle: (reached) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(reached);
        },
      };
      waiters.add(waiter);
    });
  }

  private reached(stream: string, { writer, token }: { writer: string; token: number }): boolean {
    const current = this.registry.get(stream)?.currentToken(writer);
    return current !== undefined && current >= token;
  }
}
