import type { CacheInvalidations } from '@chat/storage';

import type { BackgroundTasks } from './background-tasks';
import {
  CACHES_STREAM_PRUNE_BATCH,
  CACHES_STREAM_RETENTION_MS,
  CachesStreamPruning,
} from './caches-stream-pruning.service';
import type { Clock } from './clock';

describe('CachesStreamPruning', () => {
  const now = 1_700_000_000_000;
  const setup = (batches: number[]) => {
    const calls: Array<[number, number]> = [];
    const invalidations = {
      pruneBefore: async (beforeTs: number, limit: number) => {
        calls.push([beforeTs, limit]);
        return batches.shift() ?? 0;
      },
    } as unknown as CacheInvalidations;
    const scheduled: string[] = [];
    const tasks = {
      every: (name: string) => scheduled.push(name),
    } as unknown as BackgroundTasks;
    const clock = { now: () => now } as Clock;
    return { calls, scheduled, pruning: new CachesStreamPruning(invalidations, clock, tasks) };
  };

  it('deletes rows older than a week, batch after batch until one comes back short', async () => {
    const full = CACHES_STREAM_PRUNE_BATCH;
    const { calls, pruning } = setup([full, full, 7, 99]);
    expect(await pruning.prune()).toBe(2 * full + 7);
    const cut = now - CACHES_STREAM_RETENTION_MS;
    expect(calls).toEqual([
      [cut, full],
      [cut, full],
      [cut, full],
    ]);
  });

  it('is a background task', () => {
    const { scheduled, pruning } = setup([]);
    pruning.onModuleInit();
    expect(scheduled).toEqual(['prune_caches_stream']);
  });
});
