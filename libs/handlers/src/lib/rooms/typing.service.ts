import { Injectable, type OnModuleDestroy } from '@nestjs/common';

import type { Requester } from '@chat/platform';
import { MatrixError } from '@chat/protocol';

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

/**
 * The `typing` stream (replication.md §4.1): who is typing where, held in memory only, so the
 * position restarts at 0 with the process. Each user's typing expires after its timeout.
 */
@Injectable()
export class TypingService implements OnModuleDestroy {
  /** roomId → userId → the timer that ends the user's typing. */
  private readonly rooms = new Map<string, Map<string, NodeJS.Timeout>>();
  private readonly listeners = new Set<TypingListener>();
  /** roomId → position of its latest change, for "changed since" checks in sync. */
  private readonly lastChanges = new Map<string, number>();
  private position = 0;

  constructor(private readonly state: RoomStateService) {}

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
    if (typing) this.start(roomId, userId, Math.min(Math.max(timeoutMs, 0), MAX_TYPING_TIMEOUT_MS));
    else this.stop(roomId, userId);
  }

  /** Ends the user's typing, e.g. when they leave the room. */
  stop(roomId: string, userId: string): void {
    const room = this.rooms.get(roomId);
    const timer = room?.get(userId);
    if (!room || !timer) return;
    clearTimeout(timer);
    room.delete(userId);
    if (room.size === 0) this.rooms.delete(roomId);
    this.changed(roomId);
  }

  typingUsers(roomId: string): string[] {
    return [...(this.rooms.get(roomId)?.keys() ?? [])];
  }

  /** The position of the latest change; 0 before any. */
  currentPosition(): number {
    return this.position;
  }

  /** Position of the room's latest typing change; 0 if none since this process started. */
  lastChange(roomId: string): number {
    return this.lastChanges.get(roomId) ?? 0;
  }

  /** Returns the function that unsubscribes. */
  onChange(listener: TypingListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onModuleDestroy(): void {
    for (const room of this.rooms.values()) for (const timer of room.values()) clearTimeout(timer);
    this.rooms.clear();
  }

  /** A renewed timeout while already typing changes nothing others see, so it is no new row. */
  private start(roomId: string, userId: string, timeoutMs: number): void {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = new Map();
      this.rooms.set(roomId, room);
    }
    const previous = room.get(userId);
    if (previous) clearTimeout(previous);
    const timer = setTimeout(() => this.stop(roomId, userId), timeoutMs);
    timer.unref();
    room.set(userId, timer);
    if (!previous) this.changed(roomId);
  }

  private changed(roomId: string): void {
    const change = { position: ++this.position, roomId, userIds: this.typingUsers(roomId) };
    this.lastChanges.set(roomId, change.position);
    for (const listener of this.listeners) listener(change);
  }
}
