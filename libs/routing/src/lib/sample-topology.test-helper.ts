import type { ProxyListener, ProxyOptions, ProxyProcess, ProxyTopology } from './proxy-topology';

/** Deployments the routing specs generate from. */

export function listener(host: string, port: number, ...resources: string[]): ProxyListener {
  return { host, port, resources };
}

/**
 * The reference deployment: main, two generic workers, two event persisters, a typing writer,
 * a media repository and a user directory. Replication listeners sit on port 9093 everywhere
 * (and one public-looking port, 9190 on persister2, serves client as well).
 */
export const SAMPLE_PROCESSES: readonly ProxyProcess[] = [
  {
    name: 'main',
    app: 'main',
    listeners: [
      listener('10.0.0.1', 8008, 'client', 'federation', 'keys', 'media'),
      listener('10.0.0.1', 9093, 'replication'),
    ],
  },
  {
    name: 'worker1',
    app: 'generic_worker',
    listeners: [listener('10.0.0.11', 8083, 'client', 'federation')],
  },
  {
    name: 'worker2',
    app: 'generic_worker',
    listeners: [listener('10.0.0.12', 8083, 'client', 'federation')],
  },
  {
    name: 'persister1',
    app: 'generic_worker',
    listeners: [listener('10.0.0.21', 9093, 'replication')],
  },
  {
    name: 'persister2',
    app: 'generic_worker',
    listeners: [listener('10.0.0.22', 9093, 'replication'), listener('10.0.0.22', 9190, 'client')],
  },
  {
    name: 'typing1',
    app: 'generic_worker',
    listeners: [listener('10.0.0.31', 8085, 'client'), listener('10.0.0.31', 9093, 'replication')],
  },
  {
    name: 'media1',
    app: 'media_repository',
    listeners: [listener('10.0.0.41', 8086, 'media')],
  },
  {
    name: 'userdir1',
    app: 'user_dir',
    listeners: [listener('10.0.0.51', 8087, 'client')],
  },
];

export const SAMPLE_TOPOLOGY: ProxyTopology = {
  processes: SAMPLE_PROCESSES,
  streamWriters: { events: ['persister1', 'persister2'], typing: ['typing1'] },
  usePresence: true,
};

export const SAMPLE_OPTIONS: ProxyOptions = {
  listen: ['8448', '127.0.0.1:8080'],
  serverName: 'chat.example.com',
  maxBodyBytes: 50 * 1024 * 1024,
};

/** Main alone: a monolith behind the proxy. */
export const MONOLITH: ProxyTopology = {
  processes: [SAMPLE_PROCESSES[0]],
  streamWriters: {},
  usePresence: true,
};

/**
 * The seed's era: generic workers, media, user directory, a frontend_proxy, presence off, every
 * stream written by main, and one generic worker set aside for SSO.
 */
export const SEED_ERA_TOPOLOGY: ProxyTopology = {
  processes: [
    ...SAMPLE_PROCESSES.filter((p) =>
      ['main', 'worker1', 'worker2', 'media1', 'userdir1'].includes(p.name),
    ),
    {
      name: 'frontend1',
      app: 'frontend_proxy',
      listeners: [listener('10.0.0.61', 8088, 'client')],
    },
    {
      name: 'sso1',
      app: 'generic_worker',
      listeners: [listener('10.0.0.71', 8089, 'client')],
      pools: ['sso'],
    },
  ],
  streamWriters: {},
  usePresence: false,
};
