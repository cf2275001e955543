import type { RoomStreamToken } from '../tokens/room-stream-token';
import type { StreamKey, StreamToken, StreamTokenParts } from '../tokens/stream-token';
import { type NotifierClock, SYSTEM_CLOCK } from './notifier-clock';
import { UserStream } from './user-stream';

/** A persisted room event, as the notifier needs to know it (replication.md §7.1). */
export interface RoomEventEntry {
  /** The persister that wrote it, and its stream ordering there. */
  writer: string;
  pos: number;
  roomId: string;
  type: string;
  stateKey?: string | null;
  membership?: string | null;
  /** Users to wake besides the room's members (e.g. an invitee). */
  extraUsers?: readonly string[];
}

export interface NotifyTargets {
  users?: Iterable<string>;
  rooms?: Iterable<string>;
}

export interface NotifierOptions {
  /** The process's current position in every stream. */
  currentToken: () => StreamToken;
  clock?: NotifierClock;
  /** How long a user stream nobody waits on is kept; 10 minutes by default. */
  idleExpiryMs?: number;
}

/** What a long-poll does on each wake: a non-null result ends the wait. */
export type WaitCallback<T> = (
  prev: StreamToken,
  current: StreamToken,
) => T | null | Promise<T | null>;

const DEFAULT_IDLE_EXPIRY_MS = 10 * 60 * 1000;

/**
 * Wakes long-polling `/sync` and `/events` requests (replication.md §7.1). It only says "something
 * may have changed for you up to token X"; the waiting handler re-reads its data between tokens,
 * so a change can never slip between a read and the token moving.
 */
export class Notifier {
  private readonly userStreams = new Map<string, UserStream>();
  private readonly roomToUserStreams = new Map<string, Set<UserStream>>();
  private pendingRoomEvents: RoomEventEntry[] = [];
  private readonly currentToken: () => StreamToken;
  private readonly clock: NotifierClock;
  private readonly idleExpiryMs: number;
  private readonly sweepTimer: unknown;

  constructor(opts: NotifierOptions) {
    this.currentToken = opts.currentToken;
    this.clock = opts.clock ?? SYSTEM_CLOCK;
    this.idleExpiryMs = opts.idleExpiryMs ?? DEFAULT_IDLE_EXPIRY_MS;
    this.sweepTimer = this.clock.setInterval(() => this.dropIdleStreams(), this.idleExpiryMs);
  }

  /**
   * Waits until `callback` finds something for the user or `timeoutMs` passes. The callback runs
   * on every wake with the previous and the new token; when the wait ends empty-handed it runs once
   * more with the latest token, and its answer (possibly null) is returned.
   */
  async waitForEvents<T>(
    userId: string,
    rooms: Iterable<string>,
    fromToken: StreamToken,
    timeoutMs: number,
    callback: WaitCallback<T>,
  ): Promise<T | null> {
    const stream = this.userStream(userId, rooms);
    const deadline = this.clock.now() + timeoutMs;
    let prev = fromToken;
    for (;;) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0 || !(await stream.waitBeyond(prev, remaining))) break;
      const current = stream.currentToken;
      const result = await callback(prev, current);
      if (result !== null) return result;
      prev = current;
    }
    return callback(prev, stream.currentToken);
  }

  /** Something changed in stream `key` up to `token` for these users and the members of these rooms. */
  onNewEvent<K extends StreamKey>(
    key: K,
    token: StreamTokenParts[K],
    targets: NotifyTargets,
  ): void {
    const streams = new Set<UserStream>();
    for (const userId of targets.users ?? []) {
      const stream = this.userStreams.get(userId);
      if (stream) streams.add(stream);
    }
    for (const roomId of targets.rooms ?? []) {
      for (const stream of this.roomToUserStreams.get(roomId) ?? []) streams.add(stream);
    }
    if (streams.size === 0) return;
    const current = this.currentToken();
    for (const stream of streams) {
      stream.notify(stream.currentToken.copyAndAdvance(current).advance(key, token));
    }
  }

  /**
   * Room events persisted up to `maxRoomToken`. An entry is announced only once its writer's
   * position covers it; until then it waits here, so nobody is woken for an event that depends on
   * one not yet visible.
   */
  notifyNewRoomEvents(entries: readonly RoomEventEntry[], maxRoomToken: RoomStreamToken): void {
    const released: RoomEventEntry[] = [];
    const pending: RoomEventEntry[] = [];
    for (const entry of [...this.pendingRoomEvents, ...entries]) {
      (maxRoomToken.covers(entry.writer, entry.pos) ? released : pending).push(entry);
    }
    this.pendingRoomEvents = pending;
    if (released.length === 0) return;

    const users = new Set<string>();
    const rooms = new Set<string>();
    for (const entry of released) {
      rooms.add(entry.roomId);
      for (const userId of entry.extraUsers ?? []) users.add(userId);
      if (entry.type === 'm.room.member' && entry.stateKey) {
        users.add(entry.stateKey);
        if (entry.membership === 'join') this.userJoinedRoom(entry.stateKey, entry.roomId);
      }
    }
    this.onNewEvent('room', maxRoomToken, { users, rooms });
  }

  /** Stops the idle sweep (process shutdown). */
  close(): void {
    this.clock.clearInterval(this.sweepTimer);
  }

  private userStream(userId: string, rooms: Iterable<string>): UserStream {
    let stream = this.userStreams.get(userId);
    if (!stream) {
      stream = new UserStream(userId, this.currentToken(), this.clock);
      this.userStreams.set(userId, stream);
    }
    // Added, never replaced: the caller's list may predate a join the notifier has already seen.
    for (const roomId of rooms) this.addToRoom(stream, roomId);
    return stream;
  }

  private userJoinedRoom(userId: string, roomId: string): void {
    const stream = this.userStreams.get(userId);
    if (stream) this.addToRoom(stream, roomId);
  }

  private addToRoom(stream: UserStream, roomId: string): void {
    stream.rooms.add(roomId);
    let streams = this.roomToUserStreams.get(roomId);
    if (!streams) {
      streams = new Set();
      this.roomToUserStreams.set(roomId, streams);
    }
    streams.add(stream);
  }

  private dropIdleStreams(): void {
    const cutoff = this.clock.now() - this.idleExpiryMs;
    for (const [userId, stream] of this.userStreams) {
      if (!stream.isIdleSince(cutoff)) continue;
      this.userStreams.delete(userId);
      for (const roomId of stream.rooms) {
        const streams = this.roomToUserStreams.get(roomId);
        streams?.delete(stream);
        if (streams?.size === 0) this.roomToUserStreams.delete(roomId);
      }
    }
  }
}
