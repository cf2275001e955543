import type { HomeserverConfig, ListenerConfig } from '@chat/config';
import {
  type DedicatedPool,
  PROCESS_APPS,
  type ProcessApp,
  type ProxyListener,
  type ProxyProcess,
  type ProxyTopology,
} from '@chat/routing';

/** What the configs cannot say and the operator tells the tool (`--host`, `--pool`). */
export interface TopologyHints {
  /** Where the proxy reaches a process, by instance name; overrides its bind addresses. */
  readonly hosts: ReadonlyMap<string, string>;
  /** Dedicated pools, by instance name. */
  readonly pools: ReadonlyMap<string, readonly DedicatedPool[]>;
}

export interface ConfigTopology {
  readonly topology: ProxyTopology;
  /** Guesses the operator should check, for standard error. */
  readonly notes: readonly string[];
}

const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '*', '']);
/** Where a process listening on every address is assumed to be: beside the proxy, as in the seed. */
const SAME_HOST = '127.0.0.1';

function processApp(config: HomeserverConfig): ProcessApp {
  const app = config.workerApp?.replace(/^chat\.app\./, '') ?? 'main';
  if (!(PROCESS_APPS as readonly string[]).includes(app)) {
    throw new Error(
      `${config.configPaths.join(' + ')}: worker_app ${config.workerApp} is not known`,
    );
  }
  return app as ProcessApp;
}

/**
 * Converts the loaded configs of main (the shared files) and of each worker (shared + its own
 * file) into the proxy's view. Only addresses need judgement: a listener bound to one address is
 * reached there; one bound to every address at `--host`, else at the host `instance_map` gives
 * the process, else on the proxy's own host.
 */
export function topologyFromConfigs(
  main: HomeserverConfig,
  workers: readonly HomeserverConfig[],
  hints: TopologyHints,
): ConfigTopology {
  const notes: string[] = [];

  const hostOf = (name: string, listener: ListenerConfig): string => {
    const given = hints.hosts.get(name);
    if (given !== undefined) return given;
    const bound = listener.bindAddresses.find((address) => !WILDCARD_ADDRESSES.has(address));
    if (bound !== undefined) return bound;
    const location = main.instanceMap[name];
    if (location !== undefined && 'host' in location) return location.host;
    // The proxy never uses a replication listener, so where it is does not matter here.
    const proxied = !listener.resources.some((resource) => resource.names.includes('replication'));
    if (proxied)
      notes.push(
        `${name} listens on every address (port ${listener.port}); assuming ${SAME_HOST} (pass --host ${name}=<address> otherwise)`,
      );
    return SAME_HOST;
  };

  const toProcess = (
    config: HomeserverConfig,
    listeners: readonly ListenerConfig[],
  ): ProxyProcess => {
    const name = config.workerName ?? 'main';
    const pools = hints.pools.get(name);
    return {
      name,
      app: processApp(config),
      listeners: listeners.map(
        (listener): ProxyListener => ({
          host: hostOf(name, listener),
          port: listener.port,
          resources: listener.resources.flatMap((resource) => resource.names),
        }),
      ),
      ...(pools ? { pools } : {}),
    };
  };

  const processes = [
    toProcess(main, main.listeners),
    ...workers.map((worker) => toProcess(worker, worker.workerListeners)),
  ];
  return {
    topology: {
      processes,
      streamWriters: main.streamWriters,
      usePresence: main.usePresence,
    },
    notes,
  };
}
