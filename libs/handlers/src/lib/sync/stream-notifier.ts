import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';

import { DeviceStore, EventStore } from '@chat/storage';
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
  private readonly logger = new Logger(StreamNotifier.name);
  /** Notifications for writes the stream's position does not cover yet, by token key. */
  private readonly pending = new Map<NotifiedKey, PendingNotification[]>();
  /** The device_lists position whose rows have been announced, and the announcing in progress. */
  private deviceListsAnnounced: number;
  private deviceListsAnnouncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly tokens: SyncTokens,
    private readonly writer: RoomEventWriter,
    private readonly typing: TypingService,
    private readonly events: EventStore,
    private readonly pushRules: PushRulesService,
    private readonly devices: DeviceStore,
  ) {
    this.notifier = new Notifier({ currentToken: () => tokens.currentToken() });
    const start = tokens.currentToken().get('room').maxPos();
    this.roomChanges = new StreamChangeCache(start);
    this.membershipChanges = new StreamChangeCache(start);
    this.deviceListsAnnounced = tokens.currentToken().get('device_list').maxPos();
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
      this.pushRules.onChange((userId, position) =>
        this.notifyStream('push_rules', { users: [userId] }, position),
      ),
      // Events persisted while an earlier id was in flight are announced once it lands.
      this.tokens.onProgress('room', () =>
        this.notifier.notifyNewRoomEvents([], this.tokens.currentToken().get('room')),
      ),
      ...NOTIFIED_KEYS.map((key) => this.tokens.onProgress(key, () => this.releasePending(key))),
      this.tokens.onProgress('device_list', () => {
        this.deviceListsAnnouncing = this.deviceListsAnnouncing.then(() =>
          this.announceDeviceLists(),
        );
      }),
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
   * this process has seen (then the database knows). A room whose batch is being written counts
   * as changed: the position may cover it before the cache hears of it.
   */
  roomsChangedSince(rooms: Iterable<string>, since: number): string[] | null {
    if (since < this.roomChanges.earliestKnown) return null;
    const out: string[] = [];
    for (const roomId of rooms) if (this.roomChangedAfter(roomId, since)) out.push(roomId);
    return out;
  }

  /** False only when the room certainly has no event after stream ordering `position`. */
  roomChangedAfter(roomId: string, position: number): boolean {
    return this.writer.isWriting(roomId) || this.roomChanges.hasEntityChanged(roomId, position);
  }

  /** False only when the user's membership certainly did not change after `since`. */
  membershipChangedSince(userId: string, since: number): boolean {
    return (
      this.writer.isWritingMembership(userId) ||
      this.membershipChanges.hasEntityChanged(userId, since)
    );
  }

  /**
   * Room events another process persisted (worker mode), before this process's position covers
   * them: the change caches must know of them by the time a sync can see them.
   */
  recordReplicatedRoomEvents(events: readonly ReplicatedRoomEvent[]): void {
    for (const e of events) {
      this.roomChanges.entityChanged(e.roomId, e.pos);
      if (e.type === 'm.room.member' && e.stateKey !== null) {
        this.membershipChanges.entityChanged(e.stateKey, e.pos);
      }
    }
  }

  /** The same events once the position covers them: wakes their rooms' and members' syncs. */
  announceReplicatedRoomEvents(events: readonly ReplicatedRoomEvent[]): void {
    this.notifier.notifyNewRoomEvents(events, this.tokens.currentToken().get('room'));
  }

  /**
   * Wakes these users and everyone sharing a room with them: whose presence or devices changed
   * concerns all of them. For writes covered by this process's position.
   */
  async wakeUsersAndRoomPeers(
    key: 'device_list' | 'presence',
    userIds: Iterable<string>,
  ): Promise<void> {
    for (const userId of new Set(userIds)) {
      const rooms = await this.events.getRoomsForUser(userId, ['join']);
      this.wake(key, { users: [userId], rooms });
    }
  }

  /** Another process's write in stream `key`, now covered by this process's position. */
  replicatedStreamAdvanced(key: Exclude<StreamKey, 'room'>, targets: Targets): void {
    this.wake(key, targets);
  }

  /** `position`: the stream id the write got, for this and the methods below. */
  receiptsChanged(roomId: string, position: number): void {
    this.notifyStream('receipt', { rooms: [roomId] }, position);
  }

  accountDataChanged(userId: string, position: number): void {
    this.notifyStream('account_data', { users: [userId] }, position);
  }

  toDeviceChanged(userIds: Iterable<string>, position: number): void {
    this.notifyStream('to_device', { users: [...userIds] }, position);
  }

  /** Presence is seen by the user and by everyone sharing a room with them. */
  async presenceChanged(userId: string, position: number): Promise<void> {
    const rooms = await this.events.getRoomsForUser(userId, ['join']);
    this.notifyStream('presence', { users: [userId], rooms }, position);
  }

  /**
   * A device list change concerns its user and everyone sharing a room with them (their clients
   * must fetch the new keys). The rows tell whose lists changed; this is also what replicated
   * device_lists rows will feed in worker mode.
   */
  private async announceDeviceLists(): Promise<void> {
    const upTo = this.tokens.currentToken().get('device_list');
    const from = this.deviceListsAnnounced;
    if (upTo.maxPos() <= from) return;
    this.deviceListsAnnounced = upTo.maxPos();
    try {
      const changes = await this.devices.getDeviceListChanges(from, upTo.maxPos());
      await this.wakeUsersAndRoomPeers(
        'device_list',
        changes.map((c) => c.userId),
      );
    } catch (err) {
      // A missed wake-up delays delivery to the next one; the rows stay in the database.
      this.logger.warn(`device list wake-ups failed: ${String(err)}`);
    }
  }

  /** Wakes the targets once this process's position in the stream covers the write. */
  private notifyStream(key: NotifiedKey, targets: Targets, position: number): void {
    if (this.tokens.covers(key, position)) {
      this.wake(key, targets);
      return;
    }
    const list = this.pending.get(key) ?? [];
    list.push({ position, targets });
    this.pending.set(key, list);
  }

  private releasePending(key: NotifiedKey): void {
    const list = this.pending.get(key);
    if (!list) return;
    const waiting = list.filter(({ position, targets }) => {
      if (!this.tokens.covers(key, position)) return true;
      this.wake(key, targets);
      return false;
    });
    if (waiting.length > 0) this.pending.set(key, waiting);
    else this.pending.delete(key);
  }

  private wake<K extends Exclude<StreamKey, 'room'>>(key: K, targets: Targets): void {
    this.notifier.onNewEvent(key, this.tokens.currentToken().get(key), targets);
  }
}

const NOTIFIED_KEYS = ['receipt', 'account_data', 'push_rules', 'to_device', 'presence'] as const;
type NotifiedKey = (typeof NOTIFIED_KEYS)[number];

export interface Targets {
  users?: readonly string[];
  rooms?: readonly string[];
}

/** What the notifier needs of a room event written elsewhere (an `events` stream `ev` row). */
export interface ReplicatedRoomEvent {
  writer: string;
  pos: number;
  roomId: string;
  type: string;
  stateKey: string | null;
  membership: string | null;
}

interface PendingNotification {
  position: number;
  targets: Targets;
}
