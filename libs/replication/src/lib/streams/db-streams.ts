import { STREAM_NAMES } from '@chat/streams';
import type { ReplicationStream } from '../core/replication-stream';
import type { StreamRegistry } from '../core/stream-registry';
import {
  DbReplicationStream,
  type DbStreamDefinition,
  type DbStreamDeps,
} from './db-replication-stream';
import { EVENTS_STREAM } from './events.stream';
import { rowFields as f, tupleCodec, type FieldValues } from './row-codec';

/** Rows of replication.md §4.1, field by field. */
const RECEIPT_FIELDS = [
  f.roomId,
  f.text, // receipt_type
  f.userId,
  f.eventId,
  f.nullable(f.text), // thread_id; null for an unthreaded receipt
  f.jsonObject, // data
] as const;
const ACCOUNT_DATA_FIELDS = [f.userId, f.nullable(f.roomId), f.text] as const;
const TO_DEVICE_FIELDS = [f.userIdOrServer] as const;
const PUSH_RULES_FIELDS = [f.userId] as const;
const DEVICE_LISTS_FIELDS = [f.userId, f.flag, f.flag] as const; // is_signature, hosts_calculated
const PRESENCE_FIELDS = [
  f.userId,
  f.oneOf('online', 'unavailable', 'offline'),
  f.timestamp, // last_active_ts
  f.timestamp, // last_federation_update_ts
  f.timestamp, // last_user_sync_ts
  f.nullable(f.text), // status_msg
  f.flag, // currently_active
] as const;
const CACHES_FIELDS = [
  f.text, // cache_func
  f.nullable(f.cacheKey), // keys; null: the whole cache
  f.timestamp, // invalidation_ts
] as const;

export type ReceiptsStreamRow = FieldValues<typeof RECEIPT_FIELDS>;
export type AccountDataStreamRow = FieldValues<typeof ACCOUNT_DATA_FIELDS>;
export type ToDeviceStreamRow = FieldValues<typeof TO_DEVICE_FIELDS>;
export type PushRulesStreamRow = FieldValues<typeof PUSH_RULES_FIELDS>;
export type DeviceListsStreamRow = FieldValues<typeof DEVICE_LISTS_FIELDS>;
export type PresenceStreamRow = FieldValues<typeof PRESENCE_FIELDS>;
export type CachesStreamRow = FieldValues<typeof CACHES_FIELDS>;

const RECEIPTS_STREAM: DbStreamDefinition<typeof STREAM_NAMES.receipts, ReceiptsStreamRow> = {
  name: STREAM_NAMES.receipts,
  codec: tupleCodec(STREAM_NAMES.receipts, RECEIPT_FIELDS),
  // Storage marks an unthreaded receipt with thread '', the wire (as Synapse) with null.
  toRows: (r) => [[r.roomId, r.receiptType, r.userId, r.eventId, r.threadId || null, r.data]],
};

const ACCOUNT_DATA_STREAM: DbStreamDefinition<
  typeof STREAM_NAMES.accountData,
  AccountDataStreamRow
> = {
  name: STREAM_NAMES.accountData,
  codec: tupleCodec(STREAM_NAMES.accountData, ACCOUNT_DATA_FIELDS),
  // Global, per-room and tags (a room's `m.tag`) come from one table, so one bound covers all.
  toRows: (r) => [[r.userId, r.roomId, r.type]],
};

const TO_DEVICE_STREAM: DbStreamDefinition<typeof STREAM_NAMES.toDevice, ToDeviceStreamRow> = {
  name: STREAM_NAMES.toDevice,
  codec: tupleCodec(STREAM_NAMES.toDevice, TO_DEVICE_FIELDS),
  // The inbox holds local recipients only; remote destinations come with federation sending.
  toRows: (r) => [[r.userId]],
};

const PUSH_RULES_STREAM: DbStreamDefinition<typeof STREAM_NAMES.pushRules, PushRulesStreamRow> = {
  name: STREAM_NAMES.pushRules,
  codec: tupleCodec(STREAM_NAMES.pushRules, PUSH_RULES_FIELDS),
  toRows: (r) => [[r.userId]],
};

const DEVICE_LISTS_STREAM: DbStreamDefinition<
  typeof STREAM_NAMES.deviceLists,
  DeviceListsStreamRow
> = {
  name: STREAM_NAMES.deviceLists,
  codec: tupleCodec(STREAM_NAMES.deviceLists, DEVICE_LISTS_FIELDS),
  // No cross-signing yet, and remote hosts are not calculated: every row is a device change.
  toRows: (r) => [[r.userId, false, false]],
};

const PRESENCE_STREAM: DbStreamDefinition<typeof STREAM_NAMES.presence, PresenceStreamRow> = {
  name: STREAM_NAMES.presence,
  codec: tupleCodec(STREAM_NAMES.presence, PRESENCE_FIELDS),
  // The presence table keeps no federation-update or last-sync times: 0 (never, Synapse's
  // default). Currently active is what the presence API reports: online.
  toRows: (r) => [[r.userId, r.state, r.lastActiveTs, 0, 0, r.statusMsg, r.state === 'online']],
};

const CACHES_STREAM: DbStreamDefinition<typeof STREAM_NAMES.caches, CachesStreamRow> = {
  name: STREAM_NAMES.caches,
  codec: tupleCodec(STREAM_NAMES.caches, CACHES_FIELDS),
  // A table row holds every key one invalidation made stale; the wire has a row per key.
  toRows: (r) =>
    r.keys === null
      ? [[r.cacheFunc, null, r.invalidationTs]]
      : r.keys.map((key) => [r.cacheFunc, key, r.invalidationTs]),
};

/** Every stream whose rows are in our database, in `STREAM_NAMES` order. */
export function createDbStreams(deps: DbStreamDeps): Array<ReplicationStream<unknown>> {
  return [
    new DbReplicationStream(EVENTS_STREAM, deps),
    new DbReplicationStream(PRESENCE_STREAM, deps),
    new DbReplicationStream(RECEIPTS_STREAM, deps),
    new DbReplicationStream(PUSH_RULES_STREAM, deps),
    new DbReplicationStream(CACHES_STREAM, deps),
    new DbReplicationStream(DEVICE_LISTS_STREAM, deps),
    new DbReplicationStream(TO_DEVICE_STREAM, deps),
    new DbReplicationStream(ACCOUNT_DATA_STREAM, deps),
  ];
}

/** Puts every DB-backed stream into the registry. */
export function registerDbStreams(registry: StreamRegistry, deps: DbStreamDeps): void {
  for (const stream of createDbStreams(deps)) registry.register(stream);
}
