import type { Requester } from '@chat/platform';
import { StreamToken, type StreamKey } from '@chat/streams';

import type { RoomReadAccess } from '../rooms/room-access.service';
import type { Filter } from './filter';

// Shapes shared by the parts of one `/sync` computation.

/** Lower stream bound for "the latest events" in a RoomPlan. */
export const EARLIEST = Number.MIN_SAFE_INTEGER;

export type Json = Record<string, unknown>;

export interface MemberChange {
  userId: string;
  membership: string;
}

/** The parts of one `/sync` computation that stay fixed while a long-poll waits. */
export interface SyncRequest {
  requester: Requester;
  filter: Filter;
  since: StreamToken | null;
  fullState: boolean;
  /** Key of the requesting device in the lazy-loading cache. */
  device: string;
}

/** How one room is synced: its section, where its timeline starts and ends, and how to read it. */
export interface RoomPlan {
  roomId: string;
  section: 'join' | 'leave';
  /** Full state at the timeline's start (initial, newly joined, full_state) instead of a delta. */
  full: boolean;
  /**
   * Joined since the client's token: its timeline may repeat events the client saw before it
   * left, so it is always marked limited (as Synapse) and the client re-reads from prev_batch.
   */
  newlyJoined?: boolean;
  /** Exclusive lower stream bound of the timeline; EARLIEST for "the latest events". */
  after: number;
  upTo: number;
  access: RoomReadAccess;
}

export interface SyncResult {
  body: Json;
  nextBatch: StreamToken;
  /** Nothing for the client: a long-poll keeps waiting. */
  empty: boolean;
  lazySent: LazySent;
}

/** Member events sent to a device, for lazy loading's "already has it" check. */
export type LazySent = Array<{ roomId: string; userId: string; eventId: string }>;

/** Whether two tokens are at the same position in one stream. */
export function sameToken<K extends StreamKey>(a: StreamToken, b: StreamToken, key: K): boolean {
  const onlyA = StreamToken.ZERO.with(key, a.get(key));
  const onlyB = StreamToken.ZERO.with(key, b.get(key));
  return onlyA.isBeforeOrEq(onlyB) && onlyB.isBeforeOrEq(onlyA);
}
