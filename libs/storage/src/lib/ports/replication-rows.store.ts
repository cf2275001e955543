import { STREAM_NAMES } from '@chat/streams';
import type { PresenceRecord } from './presence.store';

/** Every stream row carries the stream id its writer allocated for it. */
export interface StreamRecord {
  streamId: number;
}

/** An event as the `events` stream announces it: ids and the fields caches are keyed on. */
export interface EventStreamRecord extends StreamRecord {
  eventId: string;
  roomId: string;
  type: string;
  stateKey: string | null;
  redacts: string | null;
  /** The event this one relates to (`m.relates_to.event_id`). */
  relatesTo: string | null;
  membership: string | null;
  rejected: boolean;
  outlier: boolean;
}

export interface ReceiptStreamRecord extends StreamRecord {
  roomId: string;
  receiptType: string;
  userId: string;
  eventId: string;
  /** `main`, a thread root id, or '' for an unthreaded receipt (as `ReceiptRecord`). */
  threadId: string;
  data: Record<string, unknown>;
}

export interface AccountDataStreamRecord extends StreamRecord {
  userId: string;
  /** null for global account data; room tags are the room's `m.tag`. */
  roomId: string | null;
  type: string;
}

/** A user whose devices were sent to-device messages, or whose device list changed. */
export interface UserStreamRecord extends StreamRecord {
  userId: string;
}

export type PresenceStreamRecord = PresenceRecord;

/** One invalidation of the `caches` stream: stale keys of a cache, or (null) all of it. */
export interface CacheInvalidationStreamRecord extends StreamRecord {
  cacheFunc: string;
  /** Key tuples, in the order they were invalidated. */
  keys: string[][] | null;
  invalidationTs: number;
}

/** What each DB-backed stream's rows hold, by stream name. */
export interface DbStreamRecords {
  [STREAM_NAMES.events]: EventStreamRecord;
  [STREAM_NAMES.receipts]: ReceiptStreamRecord;
  [STREAM_NAMES.accountData]: AccountDataStreamRecord;
  [STREAM_NAMES.toDevice]: UserStreamRecord;
  [STREAM_NAMES.pushRules]: UserStreamRecord;
  [STREAM_NAMES.deviceLists]: UserStreamRecord;
  [STREAM_NAMES.presence]: PresenceStreamRecord;
  [STREAM_NAMES.caches]: CacheInvalidationStreamRecord;
}

export type DbStreamName = keyof DbStreamRecords;

/** One writer's rows with a stream id in (`after`, `upTo`]. */
export interface StreamRowRange {
  writer: string;
  after: number;
  upTo: number;
  /** At most this many records; absent, every record in the range. */
  limit?: number;
}

/**
 * Committed stream rows read back by stream id, for replication: the streamer publishes them and
 * a process that missed some catches up (replication.md §3.5–3.6).
 */
export abstract class ReplicationRowsStore {
  /**
   * The writer's records in the range, ordered by stream id. Records sharing a stream id come in a
   * fixed order, and a stream's rows that differ only in columns it does not announce (one
   * to-device message per device of a user) come once.
   */
  abstract rowsOf<S extends DbStreamName>(
    stream: S,
    range: StreamRowRange,
  ): Promise<Array<DbStreamRecords[S]>>;
}
