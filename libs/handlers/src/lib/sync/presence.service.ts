import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG, type Requester } from '@chat/platform';
import { MatrixError, parseUserId } from '@chat/protocol';
import { AccountStore, EventStore, PresenceStore, type PresenceRecord } from '@chat/storage';

import { Clock } from '../common/clock';
import { StreamNotifier } from './stream-notifier';

const STATES = new Set(['online', 'unavailable', 'offline']);
const MAX_STATUS_MSG = 1024;
/** A sync refreshes `last_active` at most this often while the state is unchanged. */
const ACTIVITY_REFRESH_MS = 60_000;
/** A user with no sync in flight for this long goes offline (Synapse's SYNC_ONLINE_TIMEOUT). */
export const SYNC_ONLINE_TIMEOUT_MS = 30_000;
const TIMEOUT_CHECK_INTERVAL_MS = 5_000;

/** Whether a user's syncs have stopped long enough for them to count as gone. */
export function syncTimedOut(
  syncs: { inFlight: number; lastSeenTs: number },
  nowMs: number,
): boolean {
  return syncs.inFlight === 0 && nowMs - syncs.lastSeenTs > SYNC_ONLINE_TIMEOUT_MS;
}

export interface PresenceStatus {
  presence: PresenceRecord['state'];
  last_active_ago?: number;
  status_msg?: string;
  currently_active?: boolean;
}

/** A stored presence as clients see it, in the status API and in sync's `m.presence` events. */
export function presenceStatus(record: PresenceRecord, nowMs: number): PresenceStatus {
  const status: PresenceStatus = {
    presence: record.state,
    last_active_ago: Math.max(0, nowMs - record.lastActiveTs),
    currently_active: record.state === 'online',
  };
  if (record.statusMsg !== null) status.status_msg = record.statusMsg;
  return status;
}

/** `presence/{userId}/status`; sync delivery of presence builds on the same store. */
@Injectable()
export class PresenceService implements OnModuleInit, OnModuleDestroy {
  /** The last presence a sync wrote per user, so unchanged syncs skip the store. */
  private readonly lastSyncWrites = new Map<string, { state: string; ts: number }>();
  /**
   * Users online through this process: syncs in flight and when the last one was seen. Worker
   * mode adds the USER_SYNC reports of other processes here, on the presence writer.
   */
  private readonly syncs = new Map<string, { inFlight: number; lastSeenTs: number }>();
  private timeoutTimer: NodeJS.Timeout | null = null;
  private expiring = false;

  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly presence: PresenceStore,
    private readonly events: EventStore,
    private readonly accounts: AccountStore,
    private readonly clock: Clock,
    private readonly notifier: StreamNotifier,
  ) {}

  onModuleInit(): void {
    if (!this.config.usePresence) return;
    this.timeoutTimer = setInterval(
      () => void this.expireStoppedSyncs(),
      TIMEOUT_CHECK_INTERVAL_MS,
    );
    this.timeoutTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.timeoutTimer) clearInterval(this.timeoutTimer);
  }

  async setStatus(
    requester: Requester,
    userId: string,
    body: Record<string, unknown>,
  ): Promise<void> {
    if (!parseUserId(userId)) throw MatrixError.invalidParam('Invalid user id');
    if (requester.userId !== userId)
      throw MatrixError.forbidden("Cannot set another user's presence");
    const { presence: state, status_msg: statusMsg } = body;
    if (state === undefined) throw MatrixError.missingParam('Missing presence');
    if (typeof state !== 'string' || !STATES.has(state)) {
      throw MatrixError.badJson('presence must be online, unavailable or offline');
    }
    if (statusMsg !== undefined && statusMsg !== null && typeof statusMsg !== 'string') {
      throw MatrixError.badJson('status_msg must be a string');
    }
    if (typeof statusMsg === 'string' && statusMsg.length > MAX_STATUS_MSG) {
      throw MatrixError.badJson(`status_msg is longer than ${MAX_STATUS_MSG} characters`);
    }
    // With presence off the request succeeds and changes nothing, as in Synapse.
    if (!this.config.usePresence) return;
    // Without a syncing client this presence times out like a sync's would.
    if (state !== 'offline') this.seen(userId, 0);
    await this.write({
      userId,
      state: state as PresenceRecord['state'],
      statusMsg: typeof statusMsg === 'string' ? statusMsg : null,
      lastActiveTs: this.clock.now(),
    });
  }

  /**
   * A sync started: `online` or `unavailable` is written when it changes or when the last write is
   * older than a minute; `offline` leaves presence as it is (the spec) and does not count as the
   * user being there. Call the returned function when the sync ends.
   */
  async syncStarted(userId: string, state: PresenceRecord['state']): Promise<() => void> {
    if (!this.config.usePresence || state === 'offline') return () => undefined;
    this.seen(userId, 1);
    const ended = () => this.seen(userId, -1);
    try {
      await this.syncActivity(userId, state);
    } catch (err) {
      ended();
      throw err;
    }
    return ended;
  }

  /**
   * Users whose syncs stopped more than SYNC_ONLINE_TIMEOUT_MS ago go offline. Runs on a timer;
   * public so tests can run it after moving the clock.
   */
  async expireStoppedSyncs(): Promise<void> {
    if (this.expiring) return;
    this.expiring = true;
    try {
      const now = this.clock.now();
      for (const [userId, syncs] of [...this.syncs]) {
        if (!syncTimedOut(syncs, now)) continue;
        this.syncs.delete(userId);
        this.lastSyncWrites.delete(userId);
        const current = await this.presence.getPresence(userId);
        if (!current || current.state === 'offline') continue;
        await this.write({ ...current, state: 'offline' });
      }
    } finally {
      this.expiring = false;
    }
  }

  private seen(userId: string, inFlightChange: number): void {
    const syncs = this.syncs.get(userId) ?? { inFlight: 0, lastSeenTs: 0 };
    syncs.inFlight = Math.max(0, syncs.inFlight + inFlightChange);
    syncs.lastSeenTs = this.clock.now();
    this.syncs.set(userId, syncs);
  }

  private async syncActivity(userId: string, state: PresenceRecord['state']): Promise<void> {
    const now = this.clock.now();
    // Most syncs come from an already-online client: answered from memory, without a query.
    const recent = this.lastSyncWrites.get(userId);
    if (recent && recent.state === state && now - recent.ts < ACTIVITY_REFRESH_MS) return;
    const current = await this.presence.getPresence(userId);
    if (current && current.state === state && now - current.lastActiveTs < ACTIVITY_REFRESH_MS) {
      this.lastSyncWrites.set(userId, { state, ts: current.lastActiveTs });
      return;
    }
    this.lastSyncWrites.set(userId, { state, ts: now });
    await this.write({ userId, state, statusMsg: current?.statusMsg ?? null, lastActiveTs: now });
  }

  private async write(record: Omit<PresenceRecord, 'streamId'>): Promise<void> {
    if (this.lastSyncWrites.get(record.userId)?.ts !== record.lastActiveTs) {
      this.lastSyncWrites.delete(record.userId);
    }
    const position = await this.presence.setPresence(record);
    await this.notifier.presenceChanged(record.userId, position);
  }

  /** Visible to the user and to users sharing a room with them. */
  async getStatus(requester: Requester, userId: string): Promise<PresenceStatus> {
    if (!parseUserId(userId)) throw MatrixError.invalidParam('Invalid user id');
    if (!(await this.accounts.getUser(userId)) && userId !== requester.userId) {
      throw MatrixError.notFound('Unknown user');
    }
    if (requester.userId !== userId && !(await this.shareRoom(requester.userId, userId))) {
      throw MatrixError.forbidden('You are not allowed to see their presence');
    }
    const record = this.config.usePresence ? await this.presence.getPresence(userId) : null;
    return record ? presenceStatus(record, this.clock.now()) : { presence: 'offline' };
  }

  private async shareRoom(a: string, b: string): Promise<boolean> {
    const [roomsA, roomsB] = await Promise.all([
      this.events.getRoomsForUser(a, ['join']),
      this.events.getRoomsForUser(b, ['join']),
    ]);
    const set = new Set(roomsA);
    return roomsB.some((room) => set.has(room));
  }
}
