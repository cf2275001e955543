import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { ConfigError, type HomeserverConfig, loadConfig } from '@chat/config';
import {
  DEDICATED_POOLS,
  DEFAULT_MAX_BODY_BYTES,
  type DedicatedPool,
  type ProxyOptions,
  ProxyTopologyError,
  haproxyConfig,
  nginxConfig,
} from '@chat/routing';

import { topologyFromConfigs } from './topology-from-config';

export const USAGE = `Usage: npm run proxy-config -- --kind nginx|haproxy -c <shared.yaml> [-c ...]
                            [--workers <dir of worker yaml>] [options]

Prints a reverse-proxy config that sends each request to the worker that serves it.

  --kind nginx|haproxy      nginx: an http {} fragment; haproxy: defaults, frontend, backends
  -c, --config-path <file>  the shared (main) config; repeat for several files, as the server takes
  --workers <dir>           every *.yaml / *.yml in it is one worker's own config file
  --listen <port|addr:port> what the proxy listens on (repeatable; default 80)
  --server-name <name>      nginx server_name (default: server_name from the config)
  --host <name>=<address>   where the proxy reaches a process bound to every address
                            (default: its instance_map host, else 127.0.0.1)
  --pool <pool>=<name>[,<name>]
                            dedicate generic workers to a pool: initial_sync (initial syncs
                            only) or sso (every SSO step; one process, which may be main)
  --max-body-size <size>    largest request body, e.g. 100M (default 100M): cover media uploads
`;

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

class UsageError extends Error {}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

function parseSize(text: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(text);
  if (!match) throw new UsageError(`--max-body-size ${text}: expected a size such as 100M`);
  return Number(match[1]) * SIZE_UNITS[match[2].toLowerCase()];
}

/** `name=value` flags, each name once. */
function pairs(flag: string, values: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0 || at === value.length - 1) {
      throw new UsageError(`${flag} ${value}: expected <name>=<value>`);
    }
    const name = value.slice(0, at);
    if (map.has(name)) throw new UsageError(`${flag} ${name} is given twice`);
    map.set(name, value.slice(at + 1));
  }
  return map;
}

/** `--pool initial_sync=w3,w4` → w3: [initial_sync], w4: [initial_sync]. */
function poolsByProcess(values: readonly string[]): Map<string, DedicatedPool[]> {
  const byProcess = new Map<string, DedicatedPool[]>();
  for (const [pool, names] of pairs('--pool', values)) {
    if (!(DEDICATED_POOLS as readonly string[]).includes(pool)) {
      throw new UsageError(`--pool ${pool}: expected one of ${DEDICATED_POOLS.join(', ')}`);
    }
    for (const name of names.split(',')) {
      byProcess.set(name, [...(byProcess.get(name) ?? []), pool as DedicatedPool]);
    }
  }
  return byProcess;
}

function workerFiles(dirs: readonly string[]): string[] {
  return dirs.flatMap((dir) => {
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch (error) {
      throw new UsageError(`--workers ${dir}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    return files
      .filter((file) => /\.ya?ml$/.test(file))
      .sort()
      .map((file) => join(dir, file));
  });
}

/** Loads one process's files; each warning is printed once (every worker repeats the shared file's). */
function loader(err: CliOutput['err']): (paths: string[]) => HomeserverConfig {
  const printed = new Set<string>();
  return (paths) => {
    const { config, warnings } = loadConfig(paths);
    for (const warning of warnings.filter((w) => !printed.has(w))) {
      printed.add(warning);
      err(`warning: ${warning}\n`);
    }
    return config;
  };
}

function generate(argv: readonly string[], io: CliOutput): void {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      kind: { type: 'string' },
      'config-path': { type: 'string', short: 'c', multiple: true },
      workers: { type: 'string', multiple: true },
      listen: { type: 'string', multiple: true },
      'server-name': { type: 'string' },
      host: { type: 'string', multiple: true },
      pool: { type: 'string', multiple: true },
      'max-body-size': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(USAGE);
    return;
  }
  const kind = values.kind;
  if (kind !== 'nginx' && kind !== 'haproxy')
    throw new UsageError('--kind nginx or --kind haproxy');
  const shared = values['config-path'] ?? [];
  if (shared.length === 0) throw new UsageError('-c <shared config>');

  const load = loader(io.err);
  const main = load(shared);
  const workers = workerFiles(values.workers ?? []).map((file) => {
    const worker = load([...shared, file]);
    if (worker.workerApp === undefined)
      throw new UsageError(`${file}: not a worker config (no worker_app)`);
    return worker;
  });
  const pools = poolsByProcess(values.pool ?? []);
  const hosts = pairs('--host', values.host ?? []);
  const known = new Set(['main', ...workers.map((worker) => worker.workerName)]);
  for (const [flag, names] of [
    ['--pool', pools],
    ['--host', hosts],
  ] as const) {
    for (const name of names.keys()) {
      if (!known.has(name)) throw new UsageError(`${flag} names ${name}, which has no config`);
    }
  }
  const { topology, notes } = topologyFromConfigs(main, workers, { hosts, pools });
  for (const note of notes) io.err(`note: ${note}\n`);

  const options: ProxyOptions = {
    listen: values.listen ?? ['80'],
    serverName: values['server-name'] ?? main.serverName,
    maxBodyBytes: values['max-body-size']
      ? parseSize(values['max-body-size'])
      : DEFAULT_MAX_BODY_BYTES,
  };
  io.out(kind === 'nginx' ? nginxConfig(topology, options) : haproxyConfig(topology, options));
}

/** Runs the command; returns the exit code. Problems go to `err`, the config to `out`. */
export function runProxyConfig(argv: readonly string[], io: CliOutput): number {
  try {
    generate(argv, io);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ProxyTopologyError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    const usage =
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (usage) {
      io.err(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}
