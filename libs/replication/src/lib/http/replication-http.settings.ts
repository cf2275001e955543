import type { ModuleMetadata } from '@nestjs/common';
import {
  instanceName,
  type HomeserverConfig,
  type InstanceLocation,
  type StreamWriterName,
} from '@chat/config';
import { RETRY_TIMING, type RetryTiming } from './replication-retry.policy';

/** Waits for stream positions, either way, give up after this and go on (§6.3). */
export const POSITION_WAIT_MS = 5_000;

/** A txn id's response is kept this long, for retries (§6.4). */
export const RESPONSE_CACHE_MS = 30 * 60 * 1_000;

/** One attempt without a response for this long counts as timed out (Synapse's client: 60 s). */
export const REQUEST_TIMEOUT_MS = 60_000;

export interface ReplicationHttpOptions {
  /** Modules that provide the bus core's `StreamRegistry` and `ReplicationDataHandler`. */
  imports?: ModuleMetadata['imports'];
  positionWaitMs?: number;
  requestTimeoutMs?: number;
  /** Tests shrink the back-off; deployments keep §6.4's. */
  retry?: Partial<RetryTiming>;
}

/** What the HTTP replication providers read, resolved once from the config and the options. */
export interface ReplicationHttpSettings {
  instanceName: string;
  /** Read at call time: the shared config's map of every instance's replication listener. */
  instanceMap: Readonly<Record<string, InstanceLocation>>;
  streamWriters: Readonly<Record<StreamWriterName, readonly string[]>>;
  /** Unset or empty: requests are not authenticated (the config allows it on loopback only). */
  secret?: string;
  positionWaitMs: number;
  requestTimeoutMs: number;
  responseCacheMs: number;
  retry: RetryTiming;
}

export const REPLICATION_HTTP_SETTINGS = Symbol('REPLICATION_HTTP_SETTINGS');

export function replicationHttpSettings(
  config: HomeserverConfig,
  options: ReplicationHttpOptions = {},
): ReplicationHttpSettings {
  return {
    instanceName: instanceName(config),
    instanceMap: config.instanceMap,
    streamWriters: config.streamWriters,
    secret: config.workerReplicationSecret || undefined,
    positionWaitMs: options.positionWaitMs ?? POSITION_WAIT_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    responseCacheMs: RESPONSE_CACHE_MS,
    retry: { ...RETRY_TIMING, ...options.retry },
  };
}
