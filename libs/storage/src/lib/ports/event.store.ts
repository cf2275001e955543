import type { RoomEvent, StateMap } from '@chat/protocol';
import type { PushActionRow } from './push-action.store';
import type { Txn } from './txn';

/** An event as stored: the PDU plus where it sits in the room's orderings. */
export interface StoredEvent {
  event: RoomEvent;
  streamOrdering: number;
  instanceName: string;
  /** The event's depth; pagination order is (topological, stream). */
  topologicalOrdering: number;
  /** The state group holding the state after this event. */
  stateGroup: number | null;
  outlier: boolean;
  /** The redaction applied to this event, if any; clients then see the redacted form. */
  redactedBy: string | null;
  /** For state events: the event this one replaced in the room state, if any. */
  replacesState: string | null;
}

/** A position in a room's history: pagination walks (topological, stream) pairs. */
export interface HistoryPosition {
  topological: number;
  stream: number;
}

/** The sending device and transaction id a client send carried (protocol.md §6.3). */
export interface EventTxnKey {
  userId: string;
  deviceId: string;
  /** The endpoint the txn id belongs to, e.g. `send` or `redact`. */
  scope: string;
  txnId: string;
}

/** One string per transaction key, for maps. */
export function txnKeyString(key: EventTxnKey): string {
  return JSON.stringify([key.userId, key.deviceId, key.scope, key.txnId]);
}

export interface NewRoomEvent {
  event: RoomEvent;
  /** Full state after the event; a state group is written for state events only. */
  stateAfter: StateMap<string>;
  txn?: EventTxnKey;
  /** For state events: the state entry the event replaces. */
  replacesState?: string;
  /** Set on redactions to apply: the event the redaction hides. */
  applyRedactionTo?: string;
}

/**
 * A chain of new local events in one room, each citing the previous one (the first cites the
 * room's forward extremities), written in one transaction.
 */
export interface EventBatch {
  roomId: string;
  /** Group of the state before the first event; null only for a room's create event. */
  stateGroupBefore: number | null;
  events: NewRoomEvent[];
  /** Current-state entries the batch changes (from the state before it to the state after). */
  currentStateDelta: StateMap<string>;
  /** Local members' push-rule outcomes for the batch's events, committed with them. */
  pushActions?: PushActionRow[];
}

export interface PersistedEvent {
  eventId: string;
  streamOrdering: number;
  stateGroup: number | null;
}

export interface EventPageFilter {
  types?: readonly string[];
  notTypes?: readonly string[];
  senders?: readonly string[];
  notSenders?: readonly string[];
  containsUrl?: boolean;
}

/** A page of an event's relations; `from`/`to` are stream orderings. */
export interface RelationsPage {
  relType?: string;
  eventType?: string;
  dir: 'b' | 'f';
  from?: number;
  /** Where the page stops (inclusive), in the walk's direction. */
  to?: number;
  limit: number;
}

export interface RoomRecord {
  roomId: string;
  roomVersion: string;
  creator: string | null;
  isPublic: boolean;
}

/** A change of one user's membership, as `/sync` reads them between two stream positions. */
export interface MembershipChange {
  roomId: string;
  eventId: string;
  membership: string;
  sender: string;
  streamOrdering: number;
  instanceName: string;
}

/** A room member as the room summary needs it (heroes are the earliest members). */
export interface RoomMemberEntry {
  userId: string;
  membership: string;
  streamOrdering: number;
}

export interface MembershipRecord {
  eventId: string;
  membership: string;
  streamOrdering: number;
}

/** The event graph: PDUs, state groups, current state, memberships and transaction ids. */
export abstract class EventStore {
  /** Writes a batch and returns, per event, its stream ordering and state group. */
  abstract persistBatch(batch: EventBatch): Promise<PersistedEvent[]>;

  abstract getRoom(roomId: string): Promise<RoomRecord | null>;
  abstract setRoomPublic(roomId: string, isPublic: boolean): Promise<void>;
  /** Rooms published in the room directory. */
  abstract getPublicRoomIds(): Promise<string[]>;
  abstract getEvents(eventIds: readonly string[]): Promise<Map<string, StoredEvent>>;
  /** Drops this process's cached copy of an event that another process changed (redacted). */
  abstract forgetCachedEvent(eventId: string): void;
  abstract getForwardExtremities(roomId: string): Promise<string[]>;
  abstract getStateGroupState(group: number): Promise<StateMap<string>>;
  abstract getCurrentState(roomId: string): Promise<StateMap<string>>;
  /** One entry of the current state: its event id, if any. */
  abstract getCurrentStateEventId(
    roomId: string,
    type: string,
    stateKey: string,
  ): Promise<string | null>;
  /** The user's membership in the room's current state, if any. */
  abstract getCurrentMembership(roomId: string, userId: string): Promise<MembershipRecord | null>;
  /** Rooms where the user's current membership is one of `memberships`. */
  abstract getRoomsForUser(userId: string, memberships: readonly string[]): Promise<string[]>;
  /** Current members of the room by membership. */
  abstract getRoomMembers(roomId: string, membership: string): Promise<string[]>;
  abstract markForgotten(roomId: string, userId: string): Promise<void>;
  /** The events earlier requests with these transaction keys wrote, by `txnKeyString`. */
  abstract getEventIdsForTxns(keys: readonly EventTxnKey[]): Promise<Map<string, string>>;

  /** Events in (from, to) walking `dir`, newest first for `b`; rejected events and outliers excluded. */
  abstract getRoomEventsPage(
    roomId: string,
    from: HistoryPosition,
    dir: 'b' | 'f',
    limit: number,
    opts?: { to?: HistoryPosition; filter?: EventPageFilter },
  ): Promise<StoredEvent[]>;
  /** The newest event's position; `null` for an unknown room. */
  abstract getRoomMaxPosition(roomId: string): Promise<HistoryPosition | null>;
  /** The position of the room's newest event with a stream ordering ≤ `stream`. */
  abstract getRoomPositionAtStream(roomId: string, stream: number): Promise<HistoryPosition | null>;
  /** Events relating to `eventId`, newest first for `b`. */
  abstract getRelations(
    roomId: string,
    eventId: string,
    opts: RelationsPage,
  ): Promise<StoredEvent[]>;
  /** Thread roots, most recently active first; `before` is a stream ordering to page from. */
  abstract getThreadRoots(
    roomId: string,
    opts: { before?: number; limit: number },
  ): Promise<Array<{ root: StoredEvent; latestStreamOrdering: number }>>;
  /** The event closest to `ts` in direction `dir` (`f`: at or after, `b`: at or before). */
  abstract getEventNearTimestamp(
    roomId: string,
    ts: number,
    dir: 'b' | 'f',
  ): Promise<StoredEvent | null>;
  /** Removes transaction-id mappings older than `olderThanTs`. */
  abstract expireTxnIds(olderThanTs: number, txn?: Txn): Promise<void>;

  /**
   * Per room, the newest `limit` events with a stream ordering in (`after`, `upTo`], newest
   * first; rejected events and outliers excluded.
   */
  abstract getRecentRoomEvents(
    roomIds: readonly string[],
    after: number,
    upTo: number,
    limit: number,
    filter?: EventPageFilter,
  ): Promise<Map<string, StoredEvent[]>>;
  /** Rooms with at least one event whose stream ordering is in (`after`, `upTo`]. */
  abstract getRoomsChangedBetween(after: number, upTo: number): Promise<Set<string>>;
  /** The user's membership events with a stream ordering in (`after`, `upTo`], oldest first. */
  abstract getMembershipChanges(
    userId: string,
    after: number,
    upTo: number,
  ): Promise<MembershipChange[]>;
  /** Current members of each room (every membership), with the stream ordering of their event. */
  abstract getRoomMemberEntries(
    roomIds: readonly string[],
  ): Promise<Map<string, RoomMemberEntry[]>>;
  /** Rooms the user is joined to, each with the stream ordering of the user's join event. */
  abstract getJoinedRoomPositions(userId: string): Promise<Map<string, number>>;
  /** Rooms the user has forgotten; their sync leaves them out. */
  abstract getForgottenRooms(userId: string): Promise<Set<string>>;
  /** Everyone joined to a room the user is joined to (the user included when joined anywhere). */
  abstract getUsersSharingRoomWith(userId: string): Promise<Set<string>>;
  /** The transaction ids the device sent these events with, by event id. */
  abstract getTxnIdsForEvents(
    userId: string,
    deviceId: string,
    eventIds: readonly string[],
  ): Promise<Map<string, string>>;
}
