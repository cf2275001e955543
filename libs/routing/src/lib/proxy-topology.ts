import type { WriterStream } from './endpoint-table';

/**
 * What a reverse-proxy config is generated from: the processes of one deployment and where the
 * proxy reaches them. Plain data, so the generators stay pure; the proxy-config tool builds it
 * from the homeserver and worker YAML files.
 */

/** A process's app: `main`, or a worker's `worker_app` without its `chat.app.` prefix. */
export const PROCESS_APPS = [
  'main',
  'generic_worker',
  'media_repository',
  'user_dir',
  'frontend_proxy',
  'pusher',
  'appservice',
  'federation_sender',
] as const;

export type ProcessApp = (typeof PROCESS_APPS)[number];

export interface ProxyListener {
  /** The address or host name the proxy connects to (not the bind address `0.0.0.0`). */
  readonly host: string;
  readonly port: number;
  /** The listener's resource names as configured: `client`, `federation`, `replication`, … */
  readonly resources: readonly string[];
}

/**
 * Traffic a generic worker can be set aside for. A worker in a dedicated pool serves that pool
 * only: `initial_sync` takes initial syncs (so they cannot starve incremental ones), `sso` takes
 * every SSO step (its sessions live in one process's memory).
 */
export type DedicatedPool = 'initial_sync' | 'sso';

export const DEDICATED_POOLS: readonly DedicatedPool[] = ['initial_sync', 'sso'];

export interface ProxyProcess {
  /** `main`, or the worker's `worker_name`. */
  readonly name: string;
  readonly app: ProcessApp;
  readonly listeners: readonly ProxyListener[];
  readonly pools?: readonly DedicatedPool[];
}

export interface ProxyTopology {
  readonly processes: readonly ProxyProcess[];
  /** `stream_writers`: instance names per stream; a missing stream is written by main. */
  readonly streamWriters: Readonly<Partial<Record<WriterStream, readonly string[]>>>;
  /** `use_presence`: when false, a frontend_proxy answers presence with its stub. */
  readonly usePresence: boolean;
}

/** A topology no correct proxy config can be written for; `problems` lists every reason. */
export class ProxyTopologyError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Cannot generate a proxy config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ProxyTopologyError';
  }
}

/** What the proxy itself listens on and enforces: the part of its config not about workers. */
export interface ProxyOptions {
  /** Listen addresses: a port (`8008`) or `address:port`. */
  readonly listen: readonly string[];
  /** The public host name; nginx's `server_name`. */
  readonly serverName: string;
  /** The largest request body accepted, in bytes: at least the media upload limit. */
  readonly maxBodyBytes: number;
}

/** 100 MiB: above Synapse's default 50 MiB `max_upload_size`, as its worker image uses. */
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024;

/**
 * How long the proxy waits on a worker. Long-polls end within the server's 60 s cap, but an
 * initial sync of a large account can take minutes; a short timeout would cut it off and the
 * client would retry the same expensive request.
 */
export const UPSTREAM_TIMEOUT_SECONDS = 600;
