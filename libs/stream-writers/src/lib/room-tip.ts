import type { RoomVersion, StateMap } from '@chat/protocol';

/**
 * What the writer knows of a room's newest point: the events new ones cite, their depth, and
 * the state after them. Held only by the room's writer, so it stays right without re-reading.
 */
export interface RoomTip {
  roomId: string;
  version: RoomVersion;
  extremities: string[];
  maxDepth: number;
  state: StateMap<string>;
  /** Group of `state`; null when it must be written as a snapshot (e.g. after resolving forks). */
  stateGroup: number | null;
  /** The room's current-state rows as stored, to write only what changes. */
  storedCurrentState: StateMap<string>;
}
