import { Injectable, type OnModuleInit } from '@nestjs/common';

import { CacheInvalidations } from '@chat/storage';

import { BackgroundTasks } from './background-tasks';
import { Clock } from './clock';

/**
 * A `caches` row only matters to processes running when it was written, and those read it within
 * seconds; a week (as Synapse keeps them) covers any catch-up.
 */
export const CACHES_STREAM_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
/** Rows per statement: each stays short however far behind pruning is. */
export const CACHES_STREAM_PRUNE_BATCH = 20_000;

/** Deletes old rows of the `caches` stream (replication.md §4.3). */
@Injectable()
export class CachesStreamPruning implements OnModuleInit {
  constructor(
    private readonly invalidations: CacheInvalidations,
    private readonly clock: Clock,
    private readonly tasks: BackgroundTasks,
  ) {}

  onModuleInit(): void {
    this.tasks.every('prune_caches_stream', PRUNE_INTERVAL_MS, () => this.prune());
  }

  /** Batch after batch until one comes back short; returns how many rows went. */
  async prune(): Promise<number> {
    const before = this.clock.now() - CACHES_STREAM_RETENTION_MS;
    let total = 0;
    for (;;) {
      const deleted = await this.invalidations.pruneBefore(before, CACHES_STREAM_PRUNE_BATCH);
      total += deleted;
      if (deleted < CACHES_STREAM_PRUNE_BATCH) return total;
    }
  }
}
