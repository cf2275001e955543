import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { parse as parseYaml } from 'yaml';

import {
  type AppName,
  type HomeserverConfig,
  type ListenerConfig,
  WORKER_APPS,
  instanceName,
  loadConfig,
} from '@chat/config';

/** One process of a deployment, as synctl starts it. */
export interface ChatProcess {
  /** `main` or the worker's `worker_name`: it names the pid file and the log. */
  readonly name: string;
  /** The app binary (`dist/apps/<app>/main.js`). */
  readonly app: AppName;
  /** Absolute config paths, shared first, worker last: the process's `-c` arguments. */
  readonly configPaths: readonly string[];
  /** Where it answers `/health`; absent for a worker without listeners. */
  readonly healthUrl?: string;
}

export interface Deployment {
  /** Main first, then the workers in file-name order. */
  readonly processes: readonly ChatProcess[];
  /** Config warnings (each once) and instances the shared config names without a worker file. */
  readonly warnings: readonly string[];
}

/** A deployment synctl refuses to manage; each problem is one line. */
export class DeploymentError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'DeploymentError';
  }
}

const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '*', '']);
const IPV6_WILDCARD = '::';

/**
 * Reads the shared config files and every `*.yaml`/`*.yml` in the workers directory (each read
 * with the shared files, as the worker reads them). Throws `DeploymentError` for worker files
 * synctl cannot tell apart, `ConfigError` for configs the processes would refuse.
 */
export function readDeployment(sharedPaths: readonly string[], workersDir?: string): Deployment {
  const shared = sharedPaths.map((path) => resolve(path));
  const workerFiles = workersDir === undefined ? [] : listWorkerFiles(resolve(workersDir));
  checkWorkerIdentities(workerFiles);

  const warnings = new Set<string>();
  const load = (paths: string[]): HomeserverConfig => {
    const loaded = loadConfig(paths);
    for (const warning of loaded.warnings) warnings.add(warning);
    return loaded.config;
  };
  const main = load(shared);
  if (main.workerApp !== undefined) {
    throw new DeploymentError([
      `${shared.join(' + ')}: sets worker_app ${main.workerApp}; -c takes the shared config, worker files go in --workers`,
    ]);
  }
  const workers = workerFiles.map((file) => load([...shared, file]));

  const processes = [
    toProcess(main, 'main', main.listeners),
    ...workers.map((worker) => toProcess(worker, appOf(worker), worker.workerListeners)),
  ];
  const named = new Set(processes.map((instance) => instance.name));
  for (const name of Object.keys(main.instanceMap).filter((name) => !named.has(name))) {
    warnings.add(`instance_map names ${name}, but no worker file has worker_name ${name}`);
  }
  return { processes, warnings: [...warnings] };
}

function listWorkerFiles(dir: string): string[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (error) {
    throw new DeploymentError([
      `--workers ${dir}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    ]);
  }
  return files
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map((file) => join(dir, file));
}

/**
 * Pid files and logs are named after `worker_name`, so every worker file needs its own name,
 * and `main` is taken. Read from the worker's own file before the full load, whose complaints
 * about these keys are less direct.
 */
function checkWorkerIdentities(files: readonly string[]): void {
  const problems: string[] = [];
  const fileByName = new Map<string, string>();
  for (const file of files) {
    const own = ownKeys(file);
    if (own === undefined) continue;
    const { workerApp, workerName } = own;
    if (workerApp === undefined) {
      problems.push(`${file}: not a worker config (no worker_app)`);
    } else if (workerName === undefined) {
      problems.push(`${file}: no worker_name; every worker needs a name of its own`);
    } else if (workerName === 'main') {
      problems.push(`${file}: worker_name main is the main process's name; choose another`);
    } else if (fileByName.has(workerName)) {
      problems.push(
        `worker_name ${workerName} is used by both ${fileByName.get(workerName)} and ${file}`,
      );
    } else {
      fileByName.set(workerName, file);
    }
  }
  if (problems.length > 0) throw new DeploymentError(problems);
}

/** `worker_app` and `worker_name` as written; an unreadable file is left to the loader to report. */
function ownKeys(file: string): { workerApp?: string; workerName?: string } | undefined {
  let values: unknown;
  try {
    values = parseYaml(readFileSync(file, 'utf8'), { version: '1.1' });
  } catch {
    return undefined;
  }
  const text = (value: unknown): string | undefined =>
    value === undefined || value === null || value === '' ? undefined : String(value);
  const record = (values ?? {}) as Record<string, unknown>;
  return { workerApp: text(record['worker_app']), workerName: text(record['worker_name']) };
}

/** The app binary of a worker config (historical `worker_app`s are already the generic worker). */
function appOf(worker: HomeserverConfig): AppName {
  const entry = Object.entries(WORKER_APPS).find(([, workerApp]) => workerApp === worker.workerApp);
  if (entry === undefined) throw new Error(`worker_app ${worker.workerApp} has no app`);
  return entry[0] as AppName;
}

function toProcess(
  config: HomeserverConfig,
  app: AppName,
  listeners: readonly ListenerConfig[],
): ChatProcess {
  const listener = preferredListener(listeners);
  return {
    name: instanceName(config),
    app,
    configPaths: config.configPaths,
    ...(listener ? { healthUrl: healthUrlOf(listener) } : {}),
  };
}

/** Every listener answers `/health`; the client one is what users depend on. */
function preferredListener(listeners: readonly ListenerConfig[]): ListenerConfig | undefined {
  const serves = (listener: ListenerConfig, name: string) =>
    listener.resources.some((resource) => (resource.names as string[]).includes(name));
  return (
    listeners.find((listener) => serves(listener, 'client')) ??
    listeners.find((listener) => serves(listener, 'health')) ??
    listeners[0]
  );
}

/** synctl runs beside the processes: a listener on every address is reached on loopback. */
function healthUrlOf(listener: ListenerConfig): string {
  const bound = listener.bindAddresses[0] ?? '';
  const host = WILDCARD_ADDRESSES.has(bound)
    ? '127.0.0.1'
    : bound === IPV6_WILDCARD
      ? '::1'
      : bound;
  return `http://${host.includes(':') ? `[${host}]` : host}:${listener.port}/health`;
}
