import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { plainToInstance } from 'class-transformer';
import { ValidationError, ValidationTypes, validateSync } from 'class-validator';
import { parseDocument } from 'yaml';

import { ConfigError, ConfigProblem } from './config.error';
import {
  DEFAULT_BIND_ADDRESSES,
  DEFAULT_DATABASE_FILE,
  DEFAULT_MAX_REQUEST_BODY_SIZE,
  DEFAULT_MEDIA_STORE,
  DEFAULT_PASSWORD_HASHING_COST,
  DEFAULT_PORT,
  DEFAULT_RESOURCES,
  GENERIC_RATE_LIMIT,
  MULTI_WRITER_STREAMS,
  RATE_LIMIT_DEFAULTS,
} from './config.defaults';
import {
  STREAM_WRITER_NAMES,
  type DatabaseConfig,
  type HomeserverConfig,
  type InstanceLocation,
  type ListenerConfig,
  type RateLimitConfig,
  type StreamWriterName,
} from './homeserver-config';
import {
  DATABASE_ALIASES,
  DatabaseDto,
  HomeserverConfigDto,
  InstanceLocationDto,
  ListenerDto,
  RateLimitDto,
  isMapping,
} from './homeserver-config.dto';
import { HISTORICAL_WORKER_APPS, LEGACY_DUTY_OPTIONS, WORKER_APPS } from './worker-apps';

export interface LoadedConfig {
  config: HomeserverConfig;
  /** Unknown keys and deprecations: worth logging, not worth refusing to start. */
  warnings: string[];
}

/** One parsed file: `values` is its top-level mapping. */
export interface ConfigSource {
  path: string;
  values: Record<string, unknown>;
}

/**
 * Reads the YAML files (shared first, worker last; a later file replaces an earlier one's
 * top-level keys, as in Synapse), validates them and applies defaults. Throws `ConfigError`
 * listing every problem found.
 */
export function loadConfig(paths: string[]): LoadedConfig {
  if (paths.length === 0) {
    throw new ConfigError([{ file: '(none)', key: '', expected: 'at least one config file' }]);
  }
  const problems: ConfigProblem[] = [];
  const sources = paths.flatMap((path) => readSource(path, problems));
  // A missing or unparsable file makes every later complaint (missing keys) noise.
  if (problems.length > 0) throw new ConfigError(problems);
  return parseConfig(sources);
}

/** `loadConfig` without the file reading: for configs built in memory (tests, tools). */
export function parseConfig(sources: ConfigSource[]): LoadedConfig {
  const report = new Report(sources);
  const dto = validateSection(HomeserverConfigDto, report.merged, '', report);
  const instanceMap = parseInstanceMap(dto.instance_map, report);
  const streamWriters = parseStreamWriters(dto.stream_writers, report);
  // Cross-checks read typed values, so they only run once every key has the right shape.
  if (report.problems.length > 0) throw new ConfigError(report.problems);

  const config = toConfig(dto, instanceMap, streamWriters, report);
  crossCheck(config, report);
  if (report.problems.length > 0) throw new ConfigError(report.problems);
  return { config, warnings: report.warnings };
}

function readSource(path: string, problems: ConfigProblem[]): ConfigSource[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    problems.push({ file: path, key: '', expected: `a readable file (${code})` });
    return [];
  }
  // YAML 1.1, as PyYAML reads Synapse configs: `yes`/`no`/`on`/`off` are booleans.
  const document = parseDocument(text, { uniqueKeys: true, version: '1.1' });
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const where = error.linePos?.[0];
      const position = where ? ` at line ${where.line}, column ${where.col}` : '';
      problems.push({ file: path, key: '', expected: `valid YAML${position} (${error.code})` });
    }
    return [];
  }
  const values: unknown = document.toJS() ?? {};
  if (!isMapping(values)) {
    problems.push({ file: path, key: '', expected: 'a YAML mapping of keys to values' });
    return [];
  }
  return [{ path, values }];
}

/** Merges the sources and remembers which file set each top-level key, for messages and paths. */
class Report {
  readonly merged: Record<string, unknown> = {};
  readonly problems: ConfigProblem[] = [];
  readonly warnings: string[] = [];
  readonly paths: string[];
  private readonly origin = new Map<string, string>();

  constructor(sources: ConfigSource[]) {
    this.paths = sources.map((source) => source.path);
    for (const { path, values } of sources) {
      for (const [key, value] of Object.entries(values)) {
        this.merged[key] = value;
        this.origin.set(key, path);
      }
    }
  }

  /**
   * The file that set the top-level key of `key`; for an unset key, where it belongs: the last
   * (worker) file for `worker_*` keys, else the first (shared) file.
   */
  fileOf(key: string): string {
    const top = key.split(/[.[]/)[0];
    const home = top.startsWith('worker_') ? this.paths[this.paths.length - 1] : this.paths[0];
    return this.origin.get(top) ?? home ?? '(none)';
  }

  /** Relative paths resolve against the directory of the file that set them. */
  resolvePath(key: string, value: string): string {
    return resolve(dirname(this.fileOf(key)), value);
  }

  problem(key: string, expected: string): void {
    this.problems.push({ file: this.fileOf(key), key, expected });
  }

  warn(key: string, text: string): void {
    this.warnings.push(`${this.fileOf(key)}: ${key}: ${text}`);
  }
}

function validateSection<T extends object>(
  type: new () => T,
  plain: Record<string, unknown>,
  prefix: string,
  report: Report,
): T {
  const instance = plainToInstance(type, plain);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  collectErrors(errors, prefix, report);
  return instance;
}

function collectErrors(
  errors: ValidationError[],
  parent: string,
  report: Report,
  parentReported = false,
): void {
  for (const error of errors) {
    const key = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent === ''
        ? error.property
        : `${parent}.${error.property}`;
    const constraints = error.constraints ?? {};
    const kinds = Object.keys(constraints);
    // A non-mapping list element repeats what its list already said.
    if (parentReported && kinds.length === 1 && kinds[0] === ValidationTypes.NESTED_VALIDATION)
      continue;
    if (ValidationTypes.WHITELIST in constraints) {
      // Synapse ignores keys it does not know; we say so, since it is usually a typo.
      report.warn(key, 'unknown key, ignored');
    } else {
      const [expected] = Object.values(constraints);
      if (expected !== undefined) report.problem(key, expected);
    }
    collectErrors(error.children ?? [], key, report, kinds.length > 0);
  }
}

function parseInstanceMap(
  raw: Record<string, unknown> | undefined,
  report: Report,
): Record<string, InstanceLocation> {
  const map: Record<string, InstanceLocation> = {};
  for (const [name, entry] of Object.entries(raw ?? {})) {
    const key = `instance_map.${name}`;
    const expected = '{host, port[, tls]} or {path}';
    if (!isMapping(entry)) {
      report.problem(key, expected);
      continue;
    }
    const before = report.problems.length;
    const location = validateSection(InstanceLocationDto, entry, key, report);
    if (report.problems.length > before) continue;
    const { host, port, tls, path } = location;
    if (path !== undefined && host === undefined && port === undefined) {
      map[name] = { path };
    } else if (path === undefined && host !== undefined && port !== undefined) {
      map[name] = tls === undefined ? { host, port } : { host, port, tls };
    } else {
      report.problem(key, expected);
    }
  }
  return map;
}

function parseStreamWriters(
  raw: Record<string, unknown> | undefined,
  report: Report,
): Partial<Record<StreamWriterName, string[]>> {
  const writers: Partial<Record<StreamWriterName, string[]>> = {};
  for (const [stream, value] of Object.entries(raw ?? {})) {
    const key = `stream_writers.${stream}`;
    if (!isStreamName(stream)) {
      report.problem(key, `a stream name (${STREAM_WRITER_NAMES.join(', ')})`);
      continue;
    }
    const names = typeof value === 'string' ? [value] : value;
    if (
      !Array.isArray(names) ||
      names.length === 0 ||
      !names.every((n) => typeof n === 'string' && n !== '')
    ) {
      report.problem(key, 'an instance name or a non-empty list of instance names');
    } else if (new Set(names).size !== names.length) {
      report.problem(key, 'each instance at most once');
    } else if (!MULTI_WRITER_STREAMS.includes(stream) && names.length !== 1) {
      report.problem(
        key,
        `exactly one writer (only ${MULTI_WRITER_STREAMS.join(', ')} take several)`,
      );
    } else {
      writers[stream] = names as string[];
    }
  }
  return writers;
}

function isStreamName(name: string): name is StreamWriterName {
  return (STREAM_WRITER_NAMES as readonly string[]).includes(name);
}

function toConfig(
  dto: HomeserverConfigDto,
  instanceMap: Record<string, InstanceLocation>,
  streamWriters: Partial<Record<StreamWriterName, string[]>>,
  report: Report,
): HomeserverConfig {
  const serverName = dto.server_name;
  const optionalPath = (key: string, value: string | undefined): string | undefined =>
    value === undefined ? undefined : report.resolvePath(key, value);
  const rl = RATE_LIMIT_DEFAULTS;
  const rcMessage = bucket(dto.rc_message, rl.rc_message);
  const federation = dto.rc_federation ?? {};

  return {
    configPaths: report.paths,
    serverName,
    publicBaseurl: withTrailingSlash(dto.public_baseurl ?? `https://${serverName}/`),
    listeners: dto.listeners?.map(toListener) ?? [defaultListener()],
    database: toDatabase(dto.database, report),
    signingKeyPath: report.resolvePath(
      'signing_key_path',
      dto.signing_key_path ?? `${serverName}.signing.key`,
    ),
    mediaStorePath: report.resolvePath(
      'media_store_path',
      dto.media_store_path ?? DEFAULT_MEDIA_STORE,
    ),
    log: compact({
      level: dto.log?.level ?? 'info',
      format: dto.log?.format ?? 'json',
      path: optionalPath('log.path', dto.log?.path),
    }),
    logConfig: optionalPath('log_config', dto.log_config),

    enableRegistration: dto.enable_registration ?? false,
    enableRegistrationWithoutVerification: dto.enable_registration_without_verification ?? false,
    registrationSharedSecret: dto.registration_shared_secret,
    registrationRequiresToken: dto.registration_requires_token ?? false,
    allowGuestAccess: dto.allow_guest_access ?? false,
    maxRequestBodySize: dto.max_request_body_size ?? DEFAULT_MAX_REQUEST_BODY_SIZE,
    passwordHashingCost: dto.password_hashing_cost ?? DEFAULT_PASSWORD_HASHING_COST,
    passwordConfig: {
      enabled: dto.password_config?.enabled ?? true,
      minimumLength: dto.password_config?.policy?.minimum_length ?? 0,
    },

    rcMessage,
    rcRegistration: bucket(dto.rc_registration, rl.rc_registration),
    rcRegistrationTokenValidity: bucket(
      dto.rc_registration_token_validity,
      rl.rc_registration_token_validity,
    ),
    rcLogin: {
      address: bucket(dto.rc_login?.address, rl.rc_login.address),
      account: bucket(dto.rc_login?.account, rl.rc_login.account),
      failedAttempts: bucket(dto.rc_login?.failed_attempts, rl.rc_login.failed_attempts),
    },
    rcAdminRedaction:
      dto.rc_admin_redaction === undefined
        ? { ...rcMessage }
        : bucket(dto.rc_admin_redaction, GENERIC_RATE_LIMIT),
    rcJoins: {
      local: bucket(dto.rc_joins?.local, rl.rc_joins.local),
      remote: bucket(dto.rc_joins?.remote, rl.rc_joins.remote),
    },
    rcInvites: {
      perRoom: bucket(dto.rc_invites?.per_room, rl.rc_invites.per_room),
      perUser: bucket(dto.rc_invites?.per_user, rl.rc_invites.per_user),
      perIssuer: bucket(dto.rc_invites?.per_issuer, rl.rc_invites.per_issuer),
    },
    rcThirdPartyInvite: bucket(dto.rc_third_party_invite, rl.rc_third_party_invite),
    rc3pidValidation: bucket(dto.rc_3pid_validation, rl.rc_3pid_validation),
    rcFederation: {
      windowSize: federation.window_size ?? rl.rc_federation.window_size,
      sleepLimit: federation.sleep_limit ?? rl.rc_federation.sleep_limit,
      sleepDelay: federation.sleep_delay ?? rl.rc_federation.sleep_delay,
      rejectLimit: federation.reject_limit ?? rl.rc_federation.reject_limit,
      concurrent: federation.concurrent ?? rl.rc_federation.concurrent,
    },
    rcDeviceKeyRequests: bucket(dto.rc_key_requests, rl.rc_key_requests),
    rcPresence: { perUser: bucket(dto.rc_presence?.per_user, rl.rc_presence.per_user) },
    rcDelayedEventMgmt: bucket(dto.rc_delayed_event_mgmt, rl.rc_delayed_event_mgmt),
    rcReports: bucket(dto.rc_reports, rl.rc_reports),
    rcRoomCreation: bucket(dto.rc_room_creation, rl.rc_room_creation),

    redis: compact({
      enabled: dto.redis?.enabled ?? false,
      host: dto.redis?.host ?? 'localhost',
      port: dto.redis?.port ?? 6379,
      path: dto.redis?.path,
      dbid: dto.redis?.dbid,
      password: dto.redis?.password,
      passwordPath: optionalPath('redis.password_path', dto.redis?.password_path),
      useTls: dto.redis?.use_tls ?? false,
      channelPrefix: dto.redis?.channel_prefix,
    }),

    workerApp: toWorkerApp(dto.worker_app, report),
    workerName: dto.worker_name,
    workerReplicationHost: dto.worker_replication_host,
    workerReplicationHttpPort: dto.worker_replication_http_port,
    workerReplicationHttpTls: dto.worker_replication_http_tls,
    workerListeners: dto.worker_listeners?.map(toListener) ?? [],
    workerLogConfig: optionalPath('worker_log_config', dto.worker_log_config),
    workerMainHttpUri: dto.worker_main_http_uri,
    workerReplicationSecret: dto.worker_replication_secret,
    instanceMap: withMainFromSeedKeys(dto, instanceMap, report),
    streamWriters: Object.fromEntries(
      STREAM_WRITER_NAMES.map((stream) => [stream, streamWriters[stream] ?? ['main']]),
    ) as Record<StreamWriterName, string[]>,
    runBackgroundTasksOn: dto.run_background_tasks_on ?? 'main',
    startPushers: dto.start_pushers ?? true,
    pusherInstances: dto.pusher_instances ?? [],
    notifyAppservices: dto.notify_appservices ?? true,
    sendFederation: dto.send_federation ?? true,
    federationSenderInstances: dto.federation_sender_instances ?? [],
    enableMediaRepo: dto.enable_media_repo ?? true,
    mediaInstanceRunningBackgroundJobs: dto.media_instance_running_background_jobs,
    updateUserDirectory: dto.update_user_directory ?? true,
    usePresence: dto.use_presence ?? true,
  };
}

function bucket(
  given: RateLimitDto | undefined,
  defaults: { per_second: number; burst_count: number },
): RateLimitConfig {
  return {
    perSecond: given?.per_second ?? defaults.per_second,
    burstCount: given?.burst_count ?? defaults.burst_count,
  };
}

function toListener(listener: ListenerDto): ListenerConfig {
  // As Synapse: the single `bind_address` is added to `bind_addresses`.
  const given = [
    ...(listener.bind_addresses ?? []),
    ...(listener.bind_address ? [listener.bind_address] : []),
  ];
  return {
    port: listener.port,
    bindAddresses: given.length > 0 ? [...new Set(given)] : [...DEFAULT_BIND_ADDRESSES],
    type: 'http',
    xForwarded: listener.x_forwarded ?? false,
    resources: listener.resources.map((resource) => ({
      names: [...resource.names],
      compress: resource.compress ?? false,
    })),
  };
}

function defaultListener(): ListenerConfig {
  return {
    port: DEFAULT_PORT,
    bindAddresses: [...DEFAULT_BIND_ADDRESSES],
    type: 'http',
    xForwarded: false,
    resources: [{ names: [...DEFAULT_RESOURCES], compress: false }],
  };
}

function toDatabase(database: DatabaseDto | undefined, report: Report): DatabaseConfig {
  if (database === undefined) {
    const path = report.resolvePath('database', DEFAULT_DATABASE_FILE);
    return { name: 'sqlite', args: { database: path, cpMin: 5, cpMax: 10 } };
  }
  const name = DATABASE_ALIASES[database.name];
  const args = database.args ?? {};
  const pool = { cpMin: args.cp_min ?? 5, cpMax: args.cp_max ?? 10 };
  if (pool.cpMin > pool.cpMax)
    report.problem('database.args.cp_max', `an integer >= cp_min (${pool.cpMin})`);
  if (name === 'sqlite') {
    if (args.database === undefined) {
      report.problem('database.args.database', 'a file path (or :memory:) for sqlite');
    }
    const file = args.database ?? ':memory:';
    return {
      name,
      args: {
        database: file === ':memory:' ? file : report.resolvePath('database', file),
        ...pool,
      },
    };
  }
  return {
    name,
    args: compact({
      host: args.host,
      port: args.port,
      user: args.user,
      password: args.password,
      database: args.database ?? args.dbname,
      url: args.url,
      ...pool,
    }),
  };
}

function toWorkerApp(app: string | undefined, report: Report): string | undefined {
  if (app === undefined || !HISTORICAL_WORKER_APPS.includes(app)) return app;
  report.warn(
    'worker_app',
    `${app} is deprecated; starting it as ${WORKER_APPS['generic-worker']}`,
  );
  return WORKER_APPS['generic-worker'];
}

/**
 * The seed's `worker_replication_host`/`_http_port` locate main's replication listener: they
 * define `instance_map.main` when it is absent and must agree with it when present.
 */
function withMainFromSeedKeys(
  dto: HomeserverConfigDto,
  instanceMap: Record<string, InstanceLocation>,
  report: Report,
): Record<string, InstanceLocation> {
  const host = dto.worker_replication_host;
  const port = dto.worker_replication_http_port;
  if (host === undefined && port === undefined) return instanceMap;
  if (host === undefined || port === undefined) {
    const missing = host === undefined ? 'worker_replication_host' : 'worker_replication_http_port';
    report.problem(
      missing,
      'a value: worker_replication_host and worker_replication_http_port go together',
    );
    return instanceMap;
  }
  const tls = dto.worker_replication_http_tls;
  const seed: InstanceLocation = tls === undefined ? { host, port } : { host, port, tls };
  const main = instanceMap['main'];
  if (main === undefined) return { ...instanceMap, main: seed };
  const agrees =
    'host' in main &&
    main.host === host &&
    main.port === port &&
    (tls ?? false) === (main.tls ?? false);
  if (!agrees) {
    report.problem(
      'worker_replication_host',
      `the same host, port and tls as instance_map.main (${JSON.stringify(main)})`,
    );
  }
  return instanceMap;
}

function crossCheck(config: HomeserverConfig, report: Report): void {
  if (
    config.enableRegistration &&
    !config.enableRegistrationWithoutVerification &&
    !config.registrationRequiresToken
  ) {
    // Synapse refuses open registration without verification: it is a known spam vector.
    report.problem(
      'enable_registration',
      'enable_registration_without_verification: true or registration_requires_token: true alongside it (open registration invites spam)',
    );
  }

  const { workerApp, workerName, instanceMap } = config;
  const writers = Object.entries(config.streamWriters) as Array<[StreamWriterName, string[]]>;
  for (const [stream, names] of writers) {
    for (const name of names) {
      if (name !== 'main' && instanceMap[name] === undefined) {
        report.problem(`stream_writers.${stream}`, `"${name}" to be listed in instance_map`);
      }
    }
  }

  const multiProcess =
    workerApp !== undefined ||
    writers.some(([, names]) => names.some((name) => name !== 'main')) ||
    Object.keys(instanceMap).some((name) => name !== 'main');
  if (multiProcess && !config.redis.enabled) {
    report.problem('redis.enabled', 'true when workers are used (replication runs over Redis)');
  }
  if (multiProcess && config.database.name !== 'postgres') {
    report.problem('database.name', 'psycopg2 (PostgreSQL) when workers are used');
  }

  if (workerApp === undefined) {
    if (workerName !== undefined)
      report.problem('worker_app', 'a worker app when worker_name is set');
  } else {
    if (workerName === undefined)
      report.problem('worker_name', 'a worker name when worker_app is set');
    if (instanceMap['main'] === undefined) {
      report.problem(
        'instance_map',
        'an entry for "main" (or worker_replication_host and worker_replication_http_port)',
      );
    }
    if (workerApp === WORKER_APPS['frontend-proxy'] && config.workerMainHttpUri === undefined) {
      report.problem(
        'worker_main_http_uri',
        "main's client listener URL (required by frontend_proxy)",
      );
    }
    for (const { app, key, property } of LEGACY_DUTY_OPTIONS) {
      if (workerApp === app && config[property]) {
        report.problem(key, `false in the shared config when a ${app} worker runs`);
      }
    }
    const servesReplication = config.workerListeners.some(hasReplication);
    if (servesReplication && workerName !== undefined && instanceMap[workerName] === undefined) {
      report.warn(
        'worker_listeners',
        `has a replication listener but "${workerName}" is not in instance_map`,
      );
    }
  }

  checkReplicationSecret(config, report);
}

function hasReplication(listener: ListenerConfig): boolean {
  return listener.resources.some((resource) => resource.names.includes('replication'));
}

/** The replication listener is unauthenticated without a secret; only loopback may go without. */
function checkReplicationSecret(config: HomeserverConfig, report: Report): void {
  if (config.workerReplicationSecret) return;
  const replication = [...config.listeners, ...config.workerListeners].filter(hasReplication);
  if (replication.length === 0) return;
  const exposed = replication.find((listener) => !listener.bindAddresses.every(isLoopback));
  if (exposed) {
    report.problem(
      'worker_replication_secret',
      `a secret: the replication listener on port ${exposed.port} binds a non-loopback address`,
    );
  } else {
    report.warn('worker_replication_secret', 'not set: replication requests are unauthenticated');
  }
}

function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address);
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Drops undefined optional properties so configs compare and print cleanly. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
