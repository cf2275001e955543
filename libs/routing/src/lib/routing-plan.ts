import {
  ENDPOINT_TABLE,
  type HttpMethod,
  type RouteBalance,
  type RouteEntry,
  type RouteResource,
  type WriterStream,
  dispatchOf,
  patternMatches,
  routeFor,
  routeLocations,
} from './endpoint-table';
import {
  type DedicatedPool,
  type ProxyListener,
  type ProxyProcess,
  type ProxyTopology,
  ProxyTopologyError,
} from './proxy-topology';

/**
 * The proxy-neutral routing decision for one topology: which pools exist with which servers,
 * and which pool each path pattern (and method) goes to. The nginx and HAProxy generators only
 * render it, so the two can never route differently.
 */

/** What a pool hashes on; round-robin and single-process pools hash on nothing. */
export type HashKey = 'user' | 'origin' | 'room';

export interface ProxyServer {
  /** The process's instance name. */
  readonly process: string;
  /** `host:port`, IPv6 hosts in brackets. */
  readonly address: string;
}

export interface ProxyPool {
  /** Upstream / backend name, e.g. `chat_generic_worker_by_user`. */
  readonly name: string;
  readonly hashBy?: HashKey;
  readonly servers: readonly ProxyServer[];
}

export interface PlannedLocation {
  readonly pattern: string;
  /** Method-restricted choices that come before the location's general pool, in order. */
  readonly byMethod: ReadonlyArray<{
    readonly methods: readonly HttpMethod[];
    readonly pool: string;
  }>;
  /** The pool for every other method. */
  readonly pool: string;
  /** Where initial syncs (no `since`) go when that is not `pool`. */
  readonly initialSyncPool?: string;
}

export interface RoutingPlan {
  readonly pools: readonly ProxyPool[];
  readonly locations: readonly PlannedLocation[];
}

/** Which listener resources can serve a route's resource (Synapse serves keys on both). */
const LISTENER_RESOURCES: Record<RouteResource, readonly string[]> = {
  client: ['client'],
  federation: ['federation'],
  keys: ['keys', 'federation'],
  media: ['media'],
};

const HASH_KEYS: Record<RouteBalance, HashKey | undefined> = {
  round_robin: undefined,
  single: undefined,
  user: 'user',
  initial_sync: 'user',
  origin: 'origin',
  room: 'room',
};

const BALANCE_SUFFIX: Record<RouteBalance, string> = {
  round_robin: '',
  single: '',
  user: '_by_user',
  initial_sync: '_initial_sync',
  origin: '_by_origin',
  room: '_by_room',
};

/**
 * The first listener of a process that serves `resource`. A listener that also serves
 * `replication` is never used: that API must not be reachable from the public side.
 */
function listenerFor(process: ProxyProcess, resource: RouteResource): ProxyListener | undefined {
  const accepted = LISTENER_RESOURCES[resource];
  return process.listeners.find(
    (listener) =>
      !listener.resources.includes('replication') &&
      listener.resources.some((name) => accepted.includes(name)),
  );
}

function address(listener: ProxyListener): string {
  const host =
    listener.host.includes(':') && !listener.host.startsWith('[')
      ? `[${listener.host}]`
      : listener.host;
  return `${host}:${listener.port}`;
}

/** Streams that have a writer other than main; only those get writer routes (see the docs). */
function dedicatedWriters(topology: ProxyTopology, stream: WriterStream): readonly string[] {
  const writers = topology.streamWriters[stream] ?? [];
  return writers.some((name) => name !== 'main') ? writers : [];
}

/** Every process that writes some stream; the events writers included. */
function streamWriterNames(topology: ProxyTopology): Set<string> {
  const streams = Object.keys(topology.streamWriters) as WriterStream[];
  return new Set(streams.flatMap((stream) => dedicatedWriters(topology, stream)));
}

function dedicatedTo(topology: ProxyTopology, pool: DedicatedPool): ProxyProcess[] {
  return topology.processes.filter((p) => p.pools?.includes(pool));
}

/**
 * The processes an entry's owner stands for in this topology, before listener selection.
 * Generic workers that write a stream or sit in a dedicated pool do only that work.
 */
function ownerProcesses(topology: ProxyTopology, entry: RouteEntry): ProxyProcess[] {
  const { owner } = entry;
  if (owner === 'sso') return dedicatedTo(topology, 'sso');
  if (owner === 'generic_worker' && entry.balance === 'initial_sync') {
    return dedicatedTo(topology, 'initial_sync');
  }
  if (owner.startsWith('writer:')) {
    const names = dedicatedWriters(topology, owner.slice('writer:'.length) as WriterStream);
    return topology.processes.filter((p) => names.includes(p.name));
  }
  if (owner === 'generic_worker') {
    const writers = streamWriterNames(topology);
    return topology.processes.filter(
      (p) => p.app === 'generic_worker' && !p.pools?.length && !writers.has(p.name),
    );
  }
  return topology.processes.filter((p) => p.app === owner);
}

/** The pool that serves an entry here, or none when no process of its owner can take it. */
function poolFor(topology: ProxyTopology, entry: RouteEntry): ProxyPool | undefined {
  if (entry.onlyWithoutPresence && topology.usePresence) return undefined;
  const servers = ownerProcesses(topology, entry).flatMap((process) => {
    const listener = listenerFor(process, entry.resource);
    return listener ? [{ process: process.name, address: address(listener) }] : [];
  });
  if (servers.length === 0) {
    // Without a pool set aside, initial syncs share the incremental-sync pool and its hashing.
    return entry.balance === 'initial_sync'
      ? poolFor(topology, { ...entry, balance: 'user' })
      : undefined;
  }
  const resource = entry.resource === 'client' ? '' : `_${entry.resource}`;
  const name = `chat_${entry.owner.replace(':', '_')}${resource}${BALANCE_SUFFIX[entry.balance]}`;
  const hashBy = HASH_KEYS[entry.balance];
  return hashBy ? { name, hashBy, servers } : { name, servers };
}

function checkTopology(topology: ProxyTopology): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const process of topology.processes) {
    if (seen.has(process.name)) problems.push(`process "${process.name}" is given twice`);
    seen.add(process.name);
    for (const pool of process.pools ?? []) {
      const allowed =
        process.app === 'generic_worker' || (pool === 'sso' && process.app === 'main');
      if (!allowed)
        problems.push(`${process.name}: a ${process.app} cannot serve the ${pool} pool`);
    }
  }
  const main = topology.processes.find((p) => p.app === 'main');
  if (main?.name !== 'main') {
    problems.push('a process named "main" with app "main" (the shared config\'s listeners)');
  } else if (!listenerFor(main, 'client')) {
    problems.push('main: a listener serving client (and not replication) for everything else');
  }
  const sso = topology.processes.filter((p) => p.pools?.includes('sso'));
  if (sso.length > 1) {
    const names = sso.map((p) => p.name).join(', ');
    problems.push(`one process for SSO (its sessions live in memory), not ${names}`);
  }
  for (const stream of Object.keys(topology.streamWriters) as WriterStream[]) {
    // Events writers take no client traffic: generic workers forward sends to them.
    if (stream === 'events') continue;
    for (const name of dedicatedWriters(topology, stream)) {
      const process = topology.processes.find((p) => p.name === name);
      if (!process) {
        problems.push(`stream_writers.${stream} names "${name}", which is not among the processes`);
      } else if (!listenerFor(process, 'client')) {
        problems.push(
          `${name} writes ${stream} but has no listener serving client (without replication)`,
        );
      }
    }
  }
  if (problems.length > 0) throw new ProxyTopologyError(problems);
}

/** Whether an entry's owner has a process (with a fitting listener) in the topology. */
export function presentIn(topology: ProxyTopology): (entry: RouteEntry) => boolean {
  return (entry) => poolFor(topology, entry) !== undefined;
}

/** `routeFor` in a deployment: owners without a process fall through to later rows, then main. */
export function routeIn(
  topology: ProxyTopology,
  method: string,
  path: string,
): RouteEntry | undefined {
  return routeFor(method, path, presentIn(topology));
}

/** Validates the topology and decides every pool and location. */
export function planRoutes(topology: ProxyTopology): RoutingPlan {
  checkTopology(topology);
  const present = presentIn(topology);
  const live = ENDPOINT_TABLE.filter(present);
  const pools = new Map<string, ProxyPool>();
  const poolOf = (entry: RouteEntry): string => {
    const pool = poolFor(topology, entry) as ProxyPool;
    pools.set(pool.name, pool);
    return pool.name;
  };

  const locations = routeLocations(live).map((location): PlannedLocation => {
    const { byMethod, general } = dispatchOf(location, present);
    const planned = {
      pattern: location.pattern,
      byMethod: byMethod.map((entry) => ({ methods: entry.methods, pool: poolOf(entry) })),
      pool: poolOf(general),
    };
    if (!general.initialSyncWithoutSince) return planned;
    if (byMethod.length > 0) {
      throw new Error(`${location.pattern}: an initial-sync split cannot also split by method`);
    }
    const initialSyncPool = poolOf({ ...general, balance: 'initial_sync' });
    return initialSyncPool === planned.pool ? planned : { ...planned, initialSyncPool };
  });
  // Sorted by name, so the generated files list upstreams the same way each time and in diffs.
  const sorted = [...pools.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { pools: sorted, locations };
}

/** Where the plan sends a request: the JavaScript reading of what the generated configs do. */
export function planPool(plan: RoutingPlan, method: string, url: string): string | undefined {
  const [path, query = ''] = url.split('?', 2);
  const location = plan.locations.find((candidate) => patternMatches(candidate.pattern, path));
  if (!location) return undefined;
  const upper = method.toUpperCase();
  const choice = location.byMethod.find((c) => (c.methods as readonly string[]).includes(upper));
  if (choice) return choice.pool;
  const since = new URLSearchParams(query).get('since');
  return location.initialSyncPool && !since ? location.initialSyncPool : location.pool;
}
