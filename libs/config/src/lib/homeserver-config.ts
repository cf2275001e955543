/**
 * The typed configuration every process gets. YAML keys are the seed's and Synapse's
 * (snake_case); each TypeScript property is the camelCase of its YAML key, in the same shape.
 * Defaults are applied by the loader, so every property here is present unless marked optional.
 */

export type ResourceName =
  | 'client'
  | 'federation'
  | 'media'
  | 'replication'
  | 'metrics'
  | 'health'
  | 'keys';

export interface ListenerConfig {
  port: number;
  /** `bind_addresses` plus the seed's single `bind_address`; default `['0.0.0.0']` (see README). */
  bindAddresses: string[];
  type: 'http';
  xForwarded: boolean;
  resources: Array<{ names: ResourceName[]; compress?: boolean }>;
}

export type DatabaseEngine = 'sqlite' | 'postgres';

export interface DatabaseConfig {
  /** Normalised from `sqlite3`/`sqlite` and `psycopg2`/`postgres`/`postgresql`. */
  name: DatabaseEngine;
  args: {
    /** sqlite: file path, or `:memory:`. */
    database?: string;
    /** postgres (psycopg2 spelling): host, port, user, password, database / dbname. */
    host?: string;
    port?: number;
    user?: string;
    password?: string;
    /** postgres: a connection URL instead of the fields above. */
    url?: string;
    cpMin: number;
    cpMax: number;
  };
}

/** A Synapse `rc_*` bucket: `per_second` tokens refill a bucket of `burst_count`. */
export interface RateLimitConfig {
  perSecond: number;
  burstCount: number;
}

export interface RedisConfig {
  enabled: boolean;
  host: string;
  port: number;
  path?: string;
  dbid?: number;
  password?: string;
  passwordPath?: string;
  useTls: boolean;
  /** Our addition: prefix for channels and keys so that several deployments share one Redis. */
  channelPrefix?: string;
}

export type InstanceLocation = { host: string; port: number; tls?: boolean } | { path: string };

/** The streams `stream_writers` may move off main. */
export const STREAM_WRITER_NAMES = [
  'events',
  'typing',
  'to_device',
  'account_data',
  'receipts',
  'presence',
  'push_rules',
  'device_lists',
] as const;

export type StreamWriterName = (typeof STREAM_WRITER_NAMES)[number];

export interface LoggingConfig {
  /** pino level: trace, debug, info, warn, error, fatal, silent. */
  level: string;
  /** `json` (default) or `pretty`-ish single-line text for terminals. */
  format: 'json' | 'text';
  /** Optional file; default standard output. */
  path?: string;
}

export interface HomeserverConfig {
  /** The files this config came from, shared first, worker last. */
  configPaths: string[];

  serverName: string;
  publicBaseurl: string;
  listeners: ListenerConfig[];
  database: DatabaseConfig;
  signingKeyPath: string;
  mediaStorePath: string;
  /** Our addition. Relative paths anywhere resolve against the file that set them. */
  log: LoggingConfig;
  /** Synapse's `log_config` (a file path) is accepted and kept for later. */
  logConfig?: string;

  enableRegistration: boolean;
  /** Synapse's `enable_registration_without_verification`; we have no 3PID verification yet. */
  enableRegistrationWithoutVerification: boolean;
  registrationSharedSecret?: string;
  registrationRequiresToken: boolean;
  allowGuestAccess: boolean;
  /** Bytes; Synapse's `max_upload_size` is for media; this is for JSON bodies (default 10 MiB). */
  maxRequestBodySize: number;
  /** Password hashing cost (argon2 time cost); Synapse calls its bcrypt cost `bcrypt_rounds`. */
  passwordHashingCost: number;
  passwordConfig: { enabled: boolean; minimumLength: number };

  rcMessage: RateLimitConfig;
  rcRegistration: RateLimitConfig;
  rcRegistrationTokenValidity: RateLimitConfig;
  rcLogin: { address: RateLimitConfig; account: RateLimitConfig; failedAttempts: RateLimitConfig };
  rcAdminRedaction: RateLimitConfig;
  rcJoins: { local: RateLimitConfig; remote: RateLimitConfig };
  rcInvites: { perRoom: RateLimitConfig; perUser: RateLimitConfig; perIssuer: RateLimitConfig };
  rcThirdPartyInvite: RateLimitConfig;
  /** `rc_3pid_validation` (email/phone token requests); always set by the loader. */
  rc3pidValidation?: RateLimitConfig;
  rcFederation: {
    windowSize: number;
    sleepLimit: number;
    sleepDelay: number;
    rejectLimit: number;
    concurrent: number;
  };
  /** Synapse's `rc_key_requests` (cross-user device key queries). */
  rcDeviceKeyRequests: RateLimitConfig;
  rcPresence: { perUser: RateLimitConfig };
  rcDelayedEventMgmt: RateLimitConfig;
  rcReports: RateLimitConfig;
  rcRoomCreation: RateLimitConfig;

  redis: RedisConfig;

  // Worker mode (the seed's keys; validated now, used when workers land).
  workerApp?: string;
  workerName?: string;
  workerReplicationHost?: string;
  workerReplicationHttpPort?: number;
  workerReplicationHttpTls?: boolean;
  workerListeners: ListenerConfig[];
  workerLogConfig?: string;
  workerMainHttpUri?: string;
  workerReplicationSecret?: string;
  instanceMap: Record<string, InstanceLocation>;
  streamWriters: Record<StreamWriterName, string[]>;
  runBackgroundTasksOn: string;
  startPushers: boolean;
  pusherInstances: string[];
  notifyAppservices: boolean;
  sendFederation: boolean;
  federationSenderInstances: string[];
  enableMediaRepo: boolean;
  mediaInstanceRunningBackgroundJobs?: string;
  updateUserDirectory: boolean;
  usePresence: boolean;
}

/** The name this process goes by: `worker_name`, or `main` for the main process. */
export function instanceName(config: HomeserverConfig): string {
  return config.workerName ?? 'main';
}
