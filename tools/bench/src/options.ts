import { parseArgs } from 'node:util';

import type { Engine } from './lib/launcher';
import type { NumberOption, OptionSpecs, Params, Scenario } from './scenarios/scenario';

export type Registration = 'shared-secret' | 'dummy';

export interface TargetOptions {
  /** A running server to drive; without it the harness launches our monolith on `engine`. */
  baseUrl?: string;
  /** Where the delivery scenarios' clients long-poll, when not `baseUrl` (one worker of many). */
  syncBaseUrl?: string;
  engine?: Engine;
  /** What comes before `/client/v3/...`: `/chat` (ours) or `/_matrix` (any server). */
  prefix: string;
  registration: Registration;
  /** For shared-secret registration against `baseUrl` (the launcher makes its own). */
  sharedSecret?: string;
  adminPath: string;
}

export interface RunOptions {
  command: 'run';
  scenario: Scenario;
  target: TargetOptions;
  seed: number;
  concurrency: number;
  deadlineS: number;
  requestTimeoutS: number;
  params: Params;
  pids?: string;
  pidDir?: string;
  out?: string;
}

export type Command =
  | { command: 'help' }
  | { command: 'compare'; files: [string, string] }
  | RunOptions;

export const DEFAULT_PREFIX = '/chat';
export const DEFAULT_ADMIN_PATH = '/_chat/admin/v1/register';
export const SHARED_SECRET_ENV = 'BENCH_SHARED_SECRET';

/** Options every scenario takes. */
export const COMMON_OPTIONS: OptionSpecs = {
  concurrency: {
    integer: true,
    min: 1,
    max: 1_000,
    default: 16,
    help: 'requests in flight during setup; workers of the login scenario',
  },
  deadline: {
    integer: false,
    min: 1,
    max: 6 * 3_600,
    default: 1_800,
    help: 'seconds the whole run (setup included) may take before it is stopped',
  },
  'request-timeout': {
    integer: false,
    min: 0.1,
    max: 600,
    default: 30,
    help: "seconds a request may take (a long poll's 30 s come on top)",
  },
};

const SEED_MAX = 0xffffffff;

const STRING_OPTIONS = [
  'base-url',
  'sync-base-url',
  'engine',
  'prefix',
  'registration',
  'shared-secret',
  'admin-path',
  'seed',
  'pids',
  'pid-dir',
  'out',
] as const;

/** A number within the option's range; integers where it wants one. */
export function parseNumber(name: string, text: string | undefined, spec: NumberOption): number {
  if (text === undefined) return spec.default;
  const value = Number(text);
  const kind = spec.integer ? 'an integer' : 'a number';
  if (text.trim() === '' || !Number.isFinite(value) || (spec.integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be ${kind}, got "${text}"`);
  }
  if (value < spec.min || value > spec.max) {
    throw new Error(`--${name} must be within ${spec.min}..${spec.max}, got ${value}`);
  }
  return value;
}

/** 127.0.0.0/8, ::1 and `localhost`: names are not resolved, so any other name needs --allow-remote. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

function path(name: string, value: string | undefined, fallback: string): string {
  const chosen = value ?? fallback;
  if (!/^\/[\w.~/-]*$/.test(chosen) || chosen.endsWith('/')) {
    throw new Error(`--${name} must be a path such as ${fallback}, without a trailing /`);
  }
  return chosen;
}

function target(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): TargetOptions {
  const str = (key: string): string | undefined => values[key] as string | undefined;
  const baseUrlText = str('base-url');
  const registration = oneOf<Registration>(
    'registration',
    str('registration'),
    ['shared-secret', 'dummy'],
    'shared-secret',
  );
  const common = {
    prefix: path('prefix', str('prefix'), DEFAULT_PREFIX),
    registration,
    adminPath: path('admin-path', str('admin-path'), DEFAULT_ADMIN_PATH),
  };
  if (baseUrlText === undefined) {
    if (str('sync-base-url') !== undefined) throw new Error('--sync-base-url goes with --base-url');
    if (str('shared-secret') !== undefined) {
      throw new Error('--shared-secret goes with --base-url; a launched server gets its own');
    }
    return {
      ...common,
      engine: oneOf<Engine>('engine', str('engine'), ['sqlite', 'postgres'], 'sqlite'),
    };
  }
  if (str('engine') !== undefined) throw new Error('give --base-url or --engine, not both');
  const allowRemote = values['allow-remote'] === true;
  const baseUrl = serverUrl('base-url', baseUrlText, allowRemote);
  const syncBaseUrlText = str('sync-base-url');
  const syncBaseUrl =
    syncBaseUrlText === undefined
      ? undefined
      : serverUrl('sync-base-url', syncBaseUrlText, allowRemote);
  const sharedSecret = str('shared-secret') ?? env[SHARED_SECRET_ENV];
  if (registration === 'shared-secret' && !sharedSecret) {
    throw new Error(
      `shared-secret registration needs the server's registration_shared_secret: --shared-secret or ${SHARED_SECRET_ENV}`,
    );
  }
  return { ...common, baseUrl, syncBaseUrl, sharedSecret };
}

/** An http(s) server URL without query or fragment; loopback unless remote targets are allowed. */
function serverUrl(name: string, text: string, allowRemote: boolean): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`--${name} is not a URL: "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`--${name} must be http(s)`);
  if (url.search || url.hash) throw new Error(`--${name} takes no query or fragment`);
  if (!isLoopback(url) && !allowRemote) {
    throw new Error(
      `${url.host} is not a loopback address: add --allow-remote to load a remote server`,
    );
  }
  return url.toString().replace(/\/+$/, '');
}

/** Parses `<scenario> [options]`, `compare a.json b.json` or `--help`. */
export function parseCommand(
  argv: string[],
  scenarios: readonly Scenario[],
  env: NodeJS.ProcessEnv = {},
): Command {
  const scenarioOptionNames = [...new Set(scenarios.flatMap((s) => Object.keys(s.options)))];
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      ...Object.fromEntries(
        [...STRING_OPTIONS, ...Object.keys(COMMON_OPTIONS), ...scenarioOptionNames].map((n) => [
          n,
          { type: 'string' as const },
        ]),
      ),
      'allow-remote': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [name, ...rest] = positionals;
  if (values['help'] || name === undefined || name === 'help') return { command: 'help' };
  if (name === 'compare') {
    if (rest.length !== 2) throw new Error('usage: compare a.json b.json');
    return { command: 'compare', files: [rest[0], rest[1]] };
  }
  const scenario = scenarios.find((s) => s.name === name);
  if (!scenario) {
    throw new Error(
      `unknown scenario "${name}"; one of ${scenarios.map((s) => s.name).join(', ')}, or compare`,
    );
  }
  if (rest.length > 0) throw new Error(`unexpected argument "${rest[0]}"`);
  const given = values as Record<string, string | boolean | undefined>;
  const foreign = scenarioOptionNames.filter(
    (n) => given[n] !== undefined && !(n in scenario.options),
  );
  if (foreign.length > 0) {
    throw new Error(`${name} does not take ${foreign.map((n) => `--${n}`).join(', ')}`);
  }
  const numbers = (specs: OptionSpecs): Params =>
    Object.fromEntries(
      Object.entries(specs).map(([n, spec]) => [
        n,
        parseNumber(n, given[n] as string | undefined, spec),
      ]),
    );
  const common = numbers(COMMON_OPTIONS);
  const seedText = given['seed'] as string | undefined;
  const seed =
    seedText === undefined
      ? Math.floor(Math.random() * SEED_MAX)
      : parseNumber('seed', seedText, {
          integer: true,
          min: 0,
          max: SEED_MAX,
          default: 0,
          help: '',
        });
  const params = numbers(scenario.options);
  if (params['duration'] !== undefined && params['duration'] >= common['deadline']) {
    throw new Error(
      `--duration (${params['duration']} s) must be shorter than --deadline (${common['deadline']} s)`,
    );
  }
  return {
    command: 'run',
    scenario,
    target: target(given, env),
    seed,
    concurrency: common['concurrency'],
    deadlineS: common['deadline'],
    requestTimeoutS: common['request-timeout'],
    params,
    pids: given['pids'] as string | undefined,
    pidDir: given['pid-dir'] as string | undefined,
    out: given['out'] as string | undefined,
  };
}

export function usage(scenarios: readonly Scenario[]): string {
  const option = (name: string, spec: NumberOption): string =>
    `      ${`--${name} N`.padEnd(21)}${spec.help} (default ${spec.default}, ${spec.min}..${spec.max})`;
  return [
    'usage: npm run bench -- <scenario> [options]',
    '       npm run bench -- compare a.json b.json',
    '',
    'Target (default: launch dist/apps/main/main.js on a fresh SQLite database):',
    '      --base-url URL       a running server (loopback only unless --allow-remote)',
    '      --engine E           sqlite | postgres: launch our monolith on a fresh database',
    `      --prefix P           /chat | /_matrix (default ${DEFAULT_PREFIX})`,
    '      --registration R     shared-secret | dummy (open registration, m.login.dummy)',
    `      --shared-secret S    the server's registration_shared_secret (or ${SHARED_SECRET_ENV})`,
    `      --admin-path P       shared-secret register path (default ${DEFAULT_ADMIN_PATH})`,
    '      --sync-base-url URL  where sync-latency and fanout clients long-poll (e.g. one worker), if not --base-url',
    '      --allow-remote       allow a non-loopback --base-url',
    '',
    'Run:',
    '      --seed N             names, transaction ids and choices (default random, reported)',
    ...Object.entries(COMMON_OPTIONS).map(([n, s]) => option(n, s)),
    '      --pids LIST          server processes to sample: 123,456 or main=123,worker=456',
    '      --pid-dir DIR        ... or every <name>.pid in DIR',
    '      --out FILE           also write the JSON result to FILE',
    '',
    'Scenarios:',
    ...scenarios.flatMap((s) => [
      `  ${s.name}: ${s.summary}`,
      ...Object.entries(s.options).map(([n, spec]) => option(n, spec)),
    ]),
    '',
    'stdout: one JSON object; stderr: progress and a table. Exit 0, 1 (error), 2 (events missed or duplicated).',
  ].join('\n');
}
