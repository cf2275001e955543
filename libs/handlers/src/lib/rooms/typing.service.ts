import { Injectable, type OnModuleDestroy } from '@nestjs/common';

import type { Requester } from '@chat/platform';
import { MatrixError } from '@chat/protocol';

import { StreamWrites } from '../common/stream-writes';
import type { StreamWriteBody } from '../common/stream-write-ops';
import { RoomStateService } from './room-state.service';

/** Synapse's default and cap for the client's `timeout`. */
export const DEFAULT_TYPING_TIMEOUT_MS = 30_000;
export const MAX_TYPING_TIMEOUT_MS = 120_000;

/** A `typing` stream row: the room's full list of typing users after the change. */
export interface TypingChange {
  position: number;
  roomId: string;
  userIds: string[];
}

export type TypingListener = (change: TypingChange) => void;

/** A replicated `typing` row (replication.md §4.1): `[room_id, user ids now typing]`. */
export type TypingRow = readonly [roomId: string, userIds: readonly string[]];

/**
 * The `typing` stream (replication.md §4.1): who is typing where, held in memory only, so the
 * writer's position restarts at 0 with its process. On the writer (`stream_writers.typing`) each
 * user's typing expires after its timeout; every other process follows the writer's rows.
 */
@Injectable()
export class TypingService implements OnModuleDestroy {
  /** The writer's own state: roomId → userId → the timer that ends the user's typing. */
  private readonly timers = new Map<string, Map<string, NodeJS.Timeout>>();
  /** Who is typing where, as clients see it: the writer's state, or a follower's copy of it. */
  private readonly typing = new Map<string, string[]>();
  /** roomId → position of its latest change, for "changed since" checks in sync. */
  private readonly lastChanges = new Map<string, number>();
  private readonly listeners = new Set<TypingListener>();
  /** This process's position, the typing part of its sync tokens. */
  private position = 0;
  /** The writer's token last applied (on the writer, its own position): replication's position. */
  private writerToken = 0;
  /** Added to the writer's tokens on a follower; grows when the writer restarts. */
  private base = 0;

  constructor(
    private readonly state: RoomStateService,
    private readonly writes: StreamWrites,
  ) {
    writes.serve('typing_set', (body) => this.set(body));
  }

  async setTyping(
    requester: Requester,
    roomId: string,
    userId: string,
    typing: boolean,
    timeoutMs: number = DEFAULT_TYPING_TIMEOUT_MS,
  ): Promise<void> {
    if (userId !== requester.userId) {
      throw MatrixError.forbidden("Cannot set another user's typing state");
    }
    if ((await this.state.membership(roomId, userId)) !== 'join') {
      throw MatrixError.forbidden(`User ${userId} not in room ${roomId}`);
    }
    await this.writes.write('typing_set', {
      room_id: roomId,
      user_id: userId,
      typing,
      timeout_ms: timeoutMs,
    });
  }

  /**
   * Ends the user's typing, e.g. when they leave the room. Only the writer holds typing to end:
   * it sees the membership change too, persisted there or replicated.
   */
  stop(roomId: string, userId: string): void {
    const room = this.timers.get(roomId);
    const timer = room?.get(userId);
    if (!room || !timer) return;
    clearTimeout(timer);
    room.delete(userId);
    if (room.size === 0) this.timers.delete(roomId);
    this.changed(roomId);
  }

  typingUsers(roomId: string): string[] {
    return [...(this.typing.get(roomId) ?? [])];
  }

  /** The position of the latest change; 0 before any. */
  currentPosition(): number {
    return this.position;
  }

  /** Position of the room's latest typing change; 0 if none since this process started. */
  lastChange(roomId: string): number {
    return this.lastChanges.get(roomId) ?? 0;
  }

  /** Local changes (the writer's); returns the function that unsubscribes. */
  onChange(listener: TypingListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The writer's token: on the writer its position, on a follower the last one applied. */
  writerPosition(): number {
    return this.writerToken;
  }

  /**
   * The writer's rows in (`from`, `to`], for followers catching up: each room's current list at
   * its latest position (rows replace each other, so older ones are not needed), oldest first, at
   * most `limit`; `limited` when more follow.
   */
  changesSince(
    from: number,
    to: number,
    limit: number,
  ): { changes: TypingChange[]; limited: boolean } {
    const changes = [...this.lastChanges]
      .filter(([, position]) => from < position && position <= to)
      .sort(([, a], [, b]) => a - b)
      .map(([roomId, position]) => ({ position, roomId, userIds: this.typingUsers(roomId) }));
    return changes.length > limit
      ? { changes: changes.slice(0, limit), limited: true }
      : { changes, limited: false };
  }

  /**
   * A follower applies the writer's rows of `token`: each replaces its room's list. Returns the
   * rooms whose typing changed. A token below the last one means the writer restarted, and its
   * typing went with it: every list empties, and this process's positions go on above the old
   * ones, so that no sync token from before the restart hides the rows after it.
   */
  applyReplicated(token: number, rows: readonly TypingRow[]): string[] {
    const changed = new Set<string>();
    if (token < this.writerToken) {
      this.base = this.position + 1;
      for (const roomId of this.typing.keys()) changed.add(roomId);
      this.typing.clear();
    }
    this.writerToken = token;
    this.position = this.base + token;
    for (const [roomId, userIds] of rows) {
      if (userIds.length > 0) this.typing.set(roomId, [...userIds]);
      else this.typing.delete(roomId);
      changed.add(roomId);
    }
    for (const roomId of changed) this.lastChanges.set(roomId, this.position);
    return [...changed];
  }

  onModuleDestroy(): void {
    for (const room of this.timers.values()) for (const timer of room.values()) clearTimeout(timer);
    this.timers.clear();
    this.typing.clear();
  }

  /** `typing_set` on the writer. */
  private async set(body: StreamWriteBody<'typing_set'>): Promise<void> {
    const timeoutMs = Math.min(Math.max(body.timeout_ms, 0), MAX_TYPING_TIMEOUT_MS);
    if (body.typing) this.start(body.room_id, body.user_id, timeoutMs);
    else this.stop(body.room_id, body.user_id);
  }

  /** A renewed timeout while already typing changes nothing others see, so it is no new row. */
  private start(roomId: string, userId: string, timeoutMs: number): void {
    let room = this.timers.get(roomId);
    if (!room) {
      room = new Map();
      this.timers.set(roomId, room);
    }
    const previous = room.get(userId);
    if (previous) clearTimeout(previous);
    const timer = setTimeout(() => this.stop(roomId, userId), timeoutMs);
    timer.unref();
    room.set(userId, timer);
    if (!previous) this.changed(roomId);
  }

  private changed(roomId: string): void {
    const userIds = [...(this.timers.get(roomId)?.keys() ?? [])];
    if (userIds.length > 0) this.typing.set(roomId, userIds);
    else this.typing.delete(roomId);
    const change = { position: ++this.position, roomId, userIds };
    this.writerToken = change.position;
    this.lastChanges.set(roomId, change.position);
    for (const listener of this.listeners) listener({ ...change, userIds: [...userIds] });
  }
}
