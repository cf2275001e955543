import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';

import { EventStore } from '@chat/storage';
import { RoomEventWriter } from '@chat/stream-writers';
import {
  Notifier,
  StreamChangeCache,
  type StreamKey,
  type StreamToken,
  type WaitCallback,
} from '@chat/streams';

import { TypingService } from '../rooms/typing.service';
import { PushRulesService } from './push-rules.service';
import { SyncTokens } from './sync-tokens';

/**
 * This process's notifier (replication.md §7), fed by every stream writer here: the room event
 * writer and typing subscribe directly; the other writers call the method for their stream after
 * their write commits. In worker mode, replication calls the same methods for other writers' rows.
 */
@Injectable()
export class StreamNotifier implements OnModuleInit, OnModuleDestroy {
  private readonly notifier: Notifier;
  /** Rooms by the stream ordering of their latest event, and users by their latest membership. */
  private readonly roomChanges: StreamChangeCache;
  private readonly membershipChanges: StreamChangeCache;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly tokens: SyncTokens,
    private readonly writer: RoomEventWriter,
    private readonly typing: TypingService,
    private readonly events: EventStore,
    private readonly pushRules: PushRulesService,
  ) {
    this.notifier = new Notifier({ currentToken: () => tokens.currentToken() });
    const start = tokens.currentToken().get('room').maxPos();
    this.roomChanges = new StreamChangeCache(start);
    this.membershipChanges = new StreamChangeCache(start);
  }

  onModuleInit(): void {
    this.unsubscribe.push(
      this.writer.onPersisted((roomId, stored) => {
        // The caches first: the syncs woken below must find these changes.
        for (const s of stored) {
          this.roomChanges.entityChanged(roomId, s.streamOrdering);
          if (s.event.type === 'm.room.member' && s.event.stateKey !== undefined) {
            this.membershipChanges.entityChanged(s.event.stateKey, s.streamOrdering);
          }
        }
        this.notifier.notifyNewRoomEvents(
          stored.map((s) => ({
            writer: s.instanceName,
            pos: s.streamOrdering,
            roomId,
            type: s.event.type,
            stateKey: s.event.stateKey ?? null,
            membership: s.event.membership ?? null,
          })),
          this.tokens.currentToken().get('room'),
        );
      }),
      this.typing.onChange((change) =>
        this.notifier.onNewEvent('typing', change.position, { rooms: [change.roomId] }),
      ),
      this.pushRules.onChange((userId) => this.notifyStream('push_rules', { users: [userId] })),
    );
  }

  onModuleDestroy(): void {
    for (const stop of this.unsubscribe) stop();
    this.notifier.close();
  }

  waitForEvents<T>(
    userId: string,
    rooms: Iterable<string>,
    from: StreamToken,
    timeoutMs: number,
    callback: WaitCallback<T>,
  ): Promise<T | null> {
    return this.notifier.waitForEvents(userId, rooms, from, timeoutMs, callback);
  }

  /**
   * Those of `rooms` with events after stream ordering `since`; null when `since` predates what
   * this process has seen (then the database knows).
   */
  roomsChangedSince(rooms: Iterable<string>, since: number): string[] | null {
    if (since < this.roomChanges.earliestKnown) return null;
    return this.roomChanges.changedSince(rooms, since);
  }

  /** False only when the room certainly has no event after stream ordering `position`. */
  roomChangedAfter(roomId: string, position: number): boolean {
    return this.roomChanges.hasEntityChanged(roomId, position);
  }

  /** False only when the user's membership certainly did not change after `since`. */
  membershipChangedSince(userId: string, since: number): boolean {
    return this.membershipChanges.hasEntityChanged(userId, since);
  }

  receiptsChanged(roomId: string): void {
    this.notifyStream('receipt', { rooms: [roomId] });
  }

  accountDataChanged(userId: string): void {
    this.notifyStream('account_data', { users: [userId] });
  }

  toDeviceChanged(userIds: Iterable<string>): void {
    this.notifyStream('to_device', { users: userIds });
  }

  /** Presence is seen by the user and by everyone sharing a room with them. */
  async presenceChanged(userId: string): Promise<void> {
    const rooms = await this.events.getRoomsForUser(userId, ['join']);
    this.notifyStream('presence', { users: [userId], rooms });
  }

  /** Wakes the targets up to this process's current position in the stream. */
  private notifyStream<K extends Exclude<StreamKey, 'room' | 'typing'>>(
    key: K,
    targets: { users?: Iterable<string>; rooms?: Iterable<string> },
  ): void {
    this.notifier.onNewEvent(key, this.tokens.currentToken().get(key), targets);
  }
}
