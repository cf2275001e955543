import { createHash } from 'node:crypto';

import { canonicalJson } from '@chat/protocol';

import type { HomeserverConfig } from './homeserver-config';

/**
 * A digest of who owns what in a worker deployment: the writers of each stream, the sharded
 * instance lists and the single-duty owners (replication.md §9.2, §11.3). Processes started from
 * different versions of these keys would shard rooms differently; they compare this over the bus.
 */
export function topologyHash(config: HomeserverConfig): string {
  const topology = {
    stream_writers: config.streamWriters,
    federation_sender_instances: config.federationSenderInstances,
    pusher_instances: config.pusherInstances,
    run_background_tasks_on: config.runBackgroundTasksOn,
    media_instance_running_background_jobs: config.mediaInstanceRunningBackgroundJobs ?? null,
  };
  return createHash('sha256').update(canonicalJson(topology)).digest('hex');
}
