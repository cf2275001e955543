import type { ResourceName, StreamWriterName } from './homeserver-config';

export const DEFAULT_PORT = 8008;
/** IPv4 only: `::` fails with EAFNOSUPPORT on hosts without IPv6, so dual-stack is opt-in. */
export const DEFAULT_BIND_ADDRESSES = ['0.0.0.0'];
/** What the listener created when `listeners` is absent serves: everything a monolith needs. */
export const DEFAULT_RESOURCES: ResourceName[] = [
  'client',
  'federation',
  'keys',
  'media',
  'health',
];
/** JSON request bodies; media uploads have their own limit. 10 MiB, as Synapse's JSON limit. */
export const DEFAULT_MAX_REQUEST_BODY_SIZE = 10 * 1024 * 1024;
export const DEFAULT_PASSWORD_HASHING_COST = 3;
export const DEFAULT_DATABASE_FILE = 'homeserver.db';
export const DEFAULT_MEDIA_STORE = 'media_store';

/** Streams that may be sharded over several writers; every other stream has exactly one. */
export const MULTI_WRITER_STREAMS: readonly StreamWriterName[] = [
  'events',
  'receipts',
  'device_lists',
];

/**
 * Synapse's defaults (synapse/config/ratelimiting.py), keyed by YAML name. A bucket given
 * partially takes the missing field from here. `rc_admin_redaction` is absent on purpose: as in
 * Synapse, when unset admins are limited like everybody else (`rc_message`).
 */
export const RATE_LIMIT_DEFAULTS = {
  rc_message: { per_second: 0.2, burst_count: 10 },
  rc_registration: { per_second: 0.17, burst_count: 3 },
  rc_registration_token_validity: { per_second: 0.1, burst_count: 5 },
  rc_login: {
    address: { per_second: 0.003, burst_count: 5 },
    account: { per_second: 0.003, burst_count: 5 },
    failed_attempts: { per_second: 0.17, burst_count: 3 },
  },
  rc_joins: {
    local: { per_second: 0.1, burst_count: 10 },
    remote: { per_second: 0.01, burst_count: 10 },
  },
  rc_invites: {
    per_room: { per_second: 0.3, burst_count: 10 },
    per_user: { per_second: 0.003, burst_count: 5 },
    per_issuer: { per_second: 0.3, burst_count: 10 },
  },
  rc_third_party_invite: { per_second: 0.0025, burst_count: 5 },
  rc_3pid_validation: { per_second: 0.003, burst_count: 5 },
  rc_federation: {
    window_size: 1000,
    sleep_limit: 10,
    sleep_delay: 500,
    reject_limit: 50,
    concurrent: 3,
  },
  rc_key_requests: { per_second: 20, burst_count: 100 },
  rc_presence: { per_user: { per_second: 0.1, burst_count: 1 } },
  rc_delayed_event_mgmt: { per_second: 1, burst_count: 5 },
  rc_reports: { per_second: 1, burst_count: 5 },
  rc_room_creation: { per_second: 0.016, burst_count: 10 },
};

/** Synapse's fallback for a bucket with no default of its own (e.g. a partial `rc_admin_redaction`). */
export const GENERIC_RATE_LIMIT = { per_second: 0.17, burst_count: 3 };
