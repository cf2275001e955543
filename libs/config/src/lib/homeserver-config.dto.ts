import { isIP } from 'node:net';

import { Type } from 'class-transformer';
import { IsOptional, ValidateBy, ValidateNested } from 'class-validator';
import { isValidServerName } from '@chat/protocol';

import { HISTORICAL_WORKER_APPS, WORKER_APPS, isWorkerApp } from './worker-apps';

/*
 * The YAML shape, key for key (snake_case, as the seed and Synapse spell them), checked with
 * class-validator. Each property carries exactly one check whose message is what an operator
 * should write there; defaults are applied when mapping to `HomeserverConfig`.
 */

export const RESOURCE_NAMES = [
  'client',
  'federation',
  'media',
  'replication',
  'metrics',
  'health',
  'keys',
] as const;
export const DATABASE_ALIASES = {
  sqlite3: 'sqlite',
  sqlite: 'sqlite',
  psycopg2: 'postgres',
  postgres: 'postgres',
  postgresql: 'postgres',
} as const;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isBoolean = (value: unknown): boolean => typeof value === 'boolean';
const isStringList = (value: unknown): boolean => Array.isArray(value) && value.every(isString);
const isInt =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: unknown): boolean =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
const isIpAddress = (value: unknown): boolean => isString(value) && isIP(value) !== 0;

function Check(expected: string, test: (value: unknown) => boolean): PropertyDecorator {
  return ValidateBy(
    { name: 'check', validator: { validate: (value: unknown) => test(value) } },
    { message: expected },
  );
}

const Bool = (): PropertyDecorator => Check('true or false', isBoolean);
const Str = (): PropertyDecorator => Check('a string', isString);
const StrList = (): PropertyDecorator => Check('a list of strings', isStringList);
const Port = (): PropertyDecorator => Check('an integer 1-65535', isInt(1, 65535));
const OneOf = (values: readonly string[]): PropertyDecorator =>
  Check(`one of ${values.join(', ')}`, (value) => isString(value) && values.includes(value));

/** A nested mapping (or list of mappings) validated as `type`. */
function Nested(type: () => new () => object, list = false): PropertyDecorator {
  const expected = list ? 'a list of mappings' : 'a mapping';
  return (target, key) => {
    Type(type)(target, key);
    Check(expected, list ? (v) => Array.isArray(v) && v.every(isMapping) : isMapping)(target, key);
    ValidateNested({ each: list, message: expected })(target, key);
  };
}

export class ResourceDto {
  @Check(
    `a list of resource names (${RESOURCE_NAMES.join(', ')})`,
    (v) =>
      Array.isArray(v) &&
      v.length > 0 &&
      v.every((name) => (RESOURCE_NAMES as readonly unknown[]).includes(name)),
  )
  names: Array<(typeof RESOURCE_NAMES)[number]>;

  @IsOptional() @Bool() compress?: boolean;
}

export class ListenerDto {
  @Port() port: number;

  @IsOptional()
  @Check('an IP address', isIpAddress)
  bind_address?: string;

  @IsOptional()
  @Check('a list of IP addresses', (v) => Array.isArray(v) && v.every(isIpAddress))
  bind_addresses?: string[];

  @IsOptional() @OneOf(['http']) type?: 'http';

  // TLS is terminated by a reverse proxy; say so rather than silently serving plain HTTP.
  @IsOptional()
  @Check('false (terminate TLS in a reverse proxy)', (v) => v === false)
  tls?: boolean;

  @IsOptional() @Bool() x_forwarded?: boolean;

  @Nested(() => ResourceDto, true) resources: ResourceDto[];
}

export class DatabaseArgsDto {
  @IsOptional() @Str() database?: string;
  @IsOptional() @Str() dbname?: string;
  @IsOptional() @Str() host?: string;
  @IsOptional() @Port() port?: number;
  @IsOptional() @Str() user?: string;
  @IsOptional() @Str() password?: string;

  @IsOptional()
  @Check('a postgres:// or postgresql:// URL', (v) => isString(v) && /^postgres(ql)?:\/\//.test(v))
  url?: string;

  @IsOptional() @Check('an integer >= 1', isInt(1)) cp_min?: number;
  @IsOptional() @Check('an integer >= 1', isInt(1)) cp_max?: number;
}

export class DatabaseDto {
  @OneOf(Object.keys(DATABASE_ALIASES)) name: keyof typeof DATABASE_ALIASES;
  @IsOptional() @Nested(() => DatabaseArgsDto) args?: DatabaseArgsDto;
}

export class LogDto {
  @IsOptional() @OneOf(LOG_LEVELS) level?: string;
  @IsOptional() @OneOf(['json', 'text']) format?: 'json' | 'text';
  @IsOptional() @Str() path?: string;
}

export class PasswordPolicyDto {
  @IsOptional() @Check('an integer >= 0', isInt(0)) minimum_length?: number;
}

export class PasswordConfigDto {
  @IsOptional() @Bool() enabled?: boolean;
  @IsOptional() @Nested(() => PasswordPolicyDto) policy?: PasswordPolicyDto;
}

export class RateLimitDto {
  @IsOptional()
  @Check('a number >= 0', (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)
  per_second?: number;

  @IsOptional()
  @Check('a number > 0', (v) => typeof v === 'number' && Number.isFinite(v) && v > 0)
  burst_count?: number;
}

export class RcLoginDto {
  @IsOptional() @Nested(() => RateLimitDto) address?: RateLimitDto;
  @IsOptional() @Nested(() => RateLimitDto) account?: RateLimitDto;
  @IsOptional() @Nested(() => RateLimitDto) failed_attempts?: RateLimitDto;
}

export class RcJoinsDto {
  @IsOptional() @Nested(() => RateLimitDto) local?: RateLimitDto;
  @IsOptional() @Nested(() => RateLimitDto) remote?: RateLimitDto;
}

export class RcInvitesDto {
  @IsOptional() @Nested(() => RateLimitDto) per_room?: RateLimitDto;
  @IsOptional() @Nested(() => RateLimitDto) per_user?: RateLimitDto;
  @IsOptional() @Nested(() => RateLimitDto) per_issuer?: RateLimitDto;
}

export class RcPresenceDto {
  @IsOptional() @Nested(() => RateLimitDto) per_user?: RateLimitDto;
}

export class RcFederationDto {
  @IsOptional() @Check('an integer >= 1', isInt(1)) window_size?: number;
  @IsOptional() @Check('an integer >= 0', isInt(0)) sleep_limit?: number;
  @IsOptional() @Check('an integer >= 0', isInt(0)) sleep_delay?: number;
  @IsOptional() @Check('an integer >= 0', isInt(0)) reject_limit?: number;
  @IsOptional() @Check('an integer >= 1', isInt(1)) concurrent?: number;
}

export class RedisDto {
  @IsOptional() @Bool() enabled?: boolean;
  @IsOptional() @Str() host?: string;
  @IsOptional() @Port() port?: number;
  @IsOptional() @Str() path?: string;
  @IsOptional() @Check('an integer >= 0', isInt(0)) dbid?: number;
  @IsOptional() @Str() password?: string;
  @IsOptional() @Str() password_path?: string;
  @IsOptional() @Bool() use_tls?: boolean;
  @IsOptional() @Str() channel_prefix?: string;
}

/** One `instance_map` entry; "host+port or path" is checked by the loader. */
export class InstanceLocationDto {
  @IsOptional() @Str() host?: string;
  @IsOptional() @Port() port?: number;
  @IsOptional() @Bool() tls?: boolean;
  @IsOptional() @Str() path?: string;
}

export class HomeserverConfigDto {
  @Check('a server name (hostname, IPv4 or [IPv6], optional :port)', isValidServerName)
  server_name: string;

  @IsOptional() @Check('an http(s) URL', isHttpUrl) public_baseurl?: string;
  @IsOptional() @Nested(() => ListenerDto, true) listeners?: ListenerDto[];
  @IsOptional() @Nested(() => DatabaseDto) database?: DatabaseDto;
  @IsOptional() @Str() signing_key_path?: string;
  @IsOptional() @Str() media_store_path?: string;
  @IsOptional() @Nested(() => LogDto) log?: LogDto;
  @IsOptional() @Str() log_config?: string;

  @IsOptional() @Bool() enable_registration?: boolean;
  @IsOptional() @Bool() enable_registration_without_verification?: boolean;
  @IsOptional() @Str() registration_shared_secret?: string;
  @IsOptional() @Bool() registration_requires_token?: boolean;
  @IsOptional() @Bool() allow_guest_access?: boolean;
  @IsOptional()
  @Check('an integer number of bytes >= 1024', isInt(1024))
  max_request_body_size?: number;
  @IsOptional() @Check('an integer >= 1', isInt(1)) password_hashing_cost?: number;
  @IsOptional() @Nested(() => PasswordConfigDto) password_config?: PasswordConfigDto;

  @IsOptional() @Nested(() => RateLimitDto) rc_message?: RateLimitDto;
  @IsOptional() @Nested(() => RateLimitDto) rc_registration?: RateLimitDto;
  @IsOptional() @Nested(() => RateLimitDto) rc_registration_token_validity?: RateLimitDto;
  @IsOptional() @Nested(() => RcLoginDto) rc_login?: RcLoginDto;
  @IsOptional() @Nested(() => RateLimitDto) rc_admin_redaction?: RateLimitDto;
  @IsOptional() @Nested(() => RcJoinsDto) rc_joins?: RcJoinsDto;
  @IsOptional() @Nested(() => RcInvitesDto) rc_invites?: RcInvitesDto;
  @IsOptional() @Nested(() => RateLimitDto) rc_third_party_invite?: RateLimitDto;
  @IsOptional() @Nested(() => RateLimitDto) rc_3pid_validation?: RateLimitDto;
  @IsOptional() @Nested(() => RcFederationDto) rc_federation?: RcFederationDto;
  @IsOptional() @Nested(() => RateLimitDto) rc_key_requests?: RateLimitDto;
  @IsOptional() @Nested(() => RcPresenceDto) rc_presence?: RcPresenceDto;
  @IsOptional() @Nested(() => RateLimitDto) rc_delayed_event_mgmt?: RateLimitDto;
  @IsOptional() @Nested(() => RateLimitDto) rc_reports?: RateLimitDto;
  @IsOptional() @Nested(() => RateLimitDto) rc_room_creation?: RateLimitDto;

  @IsOptional() @Nested(() => RedisDto) redis?: RedisDto;

  @IsOptional()
  @Check(
    `one of ${Object.values(WORKER_APPS).join(', ')}`,
    (v) => isString(v) && (isWorkerApp(v) || HISTORICAL_WORKER_APPS.includes(v)),
  )
  worker_app?: string;

  @IsOptional()
  @Check(
    'a name of letters, digits, "_" and "-", other than "main"',
    (v) => isString(v) && /^[A-Za-z0-9_-]+$/.test(v) && v !== 'main',
  )
  worker_name?: string;

  @IsOptional() @Str() worker_replication_host?: string;
  @IsOptional() @Port() worker_replication_http_port?: number;
  @IsOptional() @Bool() worker_replication_http_tls?: boolean;

  // Not optional: any value is refused (the seed's direct TCP replication is gone).
  @Check(
    'no worker_replication_port: direct TCP replication was removed, enable `redis` instead',
    (v) => v === undefined || v === null,
  )
  worker_replication_port?: unknown;

  @IsOptional() @Nested(() => ListenerDto, true) worker_listeners?: ListenerDto[];
  @IsOptional() @Str() worker_log_config?: string;
  @IsOptional() @Check('an http(s) URL', isHttpUrl) worker_main_http_uri?: string;
  @IsOptional() @Str() worker_replication_secret?: string;

  @IsOptional()
  @Check('a mapping of instance name to {host, port} or {path}', isMapping)
  instance_map?: Record<string, unknown>;
  @IsOptional()
  @Check('a mapping of stream name to instance name(s)', isMapping)
  stream_writers?: Record<string, unknown>;

  @IsOptional() @Str() run_background_tasks_on?: string;
  @IsOptional() @Bool() start_pushers?: boolean;
  @IsOptional() @StrList() pusher_instances?: string[];
  @IsOptional() @Bool() notify_appservices?: boolean;
  @IsOptional() @Bool() send_federation?: boolean;
  @IsOptional() @StrList() federation_sender_instances?: string[];
  @IsOptional() @Bool() enable_media_repo?: boolean;
  @IsOptional() @Str() media_instance_running_background_jobs?: string;
  @IsOptional() @Bool() update_user_directory?: boolean;
  @IsOptional() @Bool() use_presence?: boolean;
}
