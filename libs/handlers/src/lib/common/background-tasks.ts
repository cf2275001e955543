import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';

import { instanceName, type HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG } from '@chat/platform';

/** Whether this process is the background-tasks instance (`run_background_tasks_on`). */
export function runsBackgroundTasks(config: HomeserverConfig): boolean {
  return instanceName(config) === config.runBackgroundTasksOn;
}

/**
 * Periodic jobs that must run on one process only (database cleanups, batch writes): the one
 * `run_background_tasks_on` names, `main` by default. Elsewhere they are never scheduled.
 */
@Injectable()
export class BackgroundTasks implements OnModuleDestroy {
  readonly runsHere: boolean;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly logger = new Logger(BackgroundTasks.name);

  constructor(@Inject(HOMESERVER_CONFIG) config: HomeserverConfig) {
    this.runsHere = runsBackgroundTasks(config);
  }

  /** Runs `task` every `intervalMs` on the background-tasks process; failures are logged. */
  every(name: string, intervalMs: number, task: () => Promise<unknown>): void {
    if (!this.runsHere) return;
    if (this.timers.has(name)) throw new Error(`background task ${name} is scheduled twice`);
    const timer = setInterval(() => {
      task().catch((err: unknown) => this.logger.warn(`background task ${name}: ${String(err)}`));
    }, intervalMs);
    timer.unref();
    this.timers.set(name, timer);
  }

  /** The tasks scheduled on this process. */
  scheduled(): string[] {
    return [...this.timers.keys()];
  }

  onModuleDestroy(): void {
    for (const timer of this.timers.values()) clearInterval(timer);
    this.timers.clear();
  }
}
