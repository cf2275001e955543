import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG, type Requester } from '@chat/platform';
import { MatrixError, parseUserId } from '@chat/protocol';
import { AccountStore, EventStore, PresenceStore, type PresenceRecord } from '@chat/storage';

import { Clock } from '../common/clock';
import type { StreamWriteBody } from '../common/stream-write-ops';
import { StreamWrites } from '../common/stream-writes';
import { StreamNotifier } from './stream-notifier';

const STATES = new Set(['online', 'unavailable', 'offline']);
const MAX_STATUS_MSG = 1024;
/** A sync refreshes `last_active` at most this often while the state is unchanged. */
const ACTIVITY_REFRESH_MS = 60_000;
/** A user with no sync in flight for this long goes offline (Synapse's SYNC_ONLINE_TIMEOUT). */
export const SYNC_ONLINE_TIMEOUT_MS = 30_000;
const TIMEOUT_CHECK_INTERVAL_MS = 5_000;
/** How long a sync elsewhere waits for its activity to reach the presence writer. */
const SYNC_RELAY_WAIT_MS = 1_000;

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

/**
 * A user's syncs are reported over only this long after the last one ended (Synapse's
 * UPDATE_SYNCING_USERS_MS): a client's consecutive long-polls leave short gaps.
 */
export const SYNC_STOP_DELAY_MS = 10_000;
/** A process whose sync reports are silent this long is presumed gone (EXTERNAL_PROCESS_EXPIRY). */
export const SYNC_SOURCE_EXPIRY_MS = 5 * 60_000;
/**
 * While the state holds, a sync's activity reaches the presence writer at most this often: 5/6 of
 * the smaller of the sync timeout and the activity refresh (replication.md §7.3), so relays alone
 * keep a user online on the writer, even once the reports of their process have expired.
 */
const SYNC_RELAY_INTERVAL_MS = (5 / 6) * Math.min(SYNC_ONLINE_TIMEOUT_MS, ACTIVITY_REFRESH_MS);

/** A user started syncing here (`syncing`), or stopped long enough ago (at `atMs`). */
export type SyncingListener = (userId: string, syncing: boolean, atMs: number) => void;

/**
 * `presence/{userId}/status`, and the presence syncs imply; sync delivery of presence builds on
 * the same store. Presence is written by its `stream_writers.presence` process only: elsewhere
 * status changes and sync activity are relayed there, and whose syncs are in flight is reported
 * to it (`onSyncingChange`; worker mode sends them over the bus, as Synapse's `USER_SYNC`), so
 * that the writer alone decides who timed out.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PresenceService.name);
  /** On the writer: the last presence a sync wrote per user, so unchanged syncs skip the store. */
  private readonly lastSyncWrites = new Map<string, { state: string; ts: number }>();
  /** The last sync activity this process sent on (to the store or to the writer), per user. */
  private readonly relayed = new Map<string, { state: string; ts: number }>();
  /** Users syncing through this process: syncs in flight and when the last one was seen. */
  private readonly syncs = new Map<string, { inFlight: number; lastSeenTs: number }>();
  /** On the writer: the users other processes report syncing, by reporting process. */
  private readonly sources = new Map<string, { users: Set<string>; lastUpdateTs: number }>();
  /** Elsewhere: the users reported to the writer as syncing here. */
  private readonly reported = new Set<string>();
  private readonly syncingListeners = new Set<SyncingListener>();
  private readonly writesPresence: boolean;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private expiring = false;

  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly presence: PresenceStore,
    private readonly events: EventStore,
    private readonly accounts: AccountStore,
    private readonly clock: Clock,
    private readonly notifier: StreamNotifier,
    private readonly writes: StreamWrites,
  ) {
    this.writesPresence = writes.writesHere('presence');
    writes.serve('presence_set_state', (body) => this.setState(body));
  }

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
    // The next sync must not be skipped as "nothing changed" over this status.
    this.relayed.delete(userId);
    await this.writes.write('presence_set_state', {
      user_id: userId,
      state,
      status_msg: typeof statusMsg === 'string' ? statusMsg : null,
      is_sync: false,
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
    if (!this.writesPresence && !this.reported.has(userId)) {
      this.reported.add(userId);
      this.emitSyncing(userId, true, this.clock.now());
    }
    const ended = () => this.seen(userId, -1);
    if (!this.writesPresence) {
      // Waiting lets this sync show the change, as on the writer; waiting longer would hang the
      // sync on the relay's retries while the writer is down. The relay goes on regardless.
      const relayed = this.relayActivity(userId, state).catch((err: unknown) =>
        this.logger.warn(`Could not relay ${userId}'s sync activity: ${String(err)}`),
      );
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([
        relayed,
        new Promise((resolve) => (waited = setTimeout(resolve, SYNC_RELAY_WAIT_MS))),
      ]);
      clearTimeout(waited);
      return ended;
    }
    try {
      await this.relayActivity(userId, state);
    } catch (err) {
      ended();
      throw err;
    }
    return ended;
  }

  /**
   * Runs on a timer; public so tests can run it after moving the clock. On the writer, users whose
   * syncs (here or reported from elsewhere) stopped more than SYNC_ONLINE_TIMEOUT_MS ago go
   * offline. Elsewhere, users whose syncs here stopped SYNC_STOP_DELAY_MS ago are reported gone.
   */
  async expireStoppedSyncs(): Promise<void> {
    if (!this.writesPresence) {
      this.reportStoppedSyncs();
      return;
    }
    if (this.expiring) return;
    this.expiring = true;
    try {
      const now = this.clock.now();
      for (const [source, { lastUpdateTs }] of [...this.sources]) {
        if (now - lastUpdateTs > SYNC_SOURCE_EXPIRY_MS) this.syncSourceGone(source);
      }
      for (const [userId, syncs] of [...this.syncs]) {
        if (this.syncingElsewhere(userId) || !syncTimedOut(syncs, now)) continue;
        this.syncs.delete(userId);
        this.lastSyncWrites.delete(userId);
        this.relayed.delete(userId);
        const current = await this.presence.getPresence(userId);
        if (!current || current.state === 'offline') continue;
        await this.write({ ...current, state: 'offline' });
      }
    } finally {
      this.expiring = false;
    }
  }

  /** Calls `listener` when this process (not the writer) has a user's syncs to report. */
  onSyncingChange(listener: SyncingListener): () => void {
    this.syncingListeners.add(listener);
    return () => this.syncingListeners.delete(listener);
  }

  /** The users reported syncing here: sent again when the bus (re)connects. */
  syncingUsers(): string[] {
    return [...this.reported];
  }

  /** Whether the user has a sync in flight here or, on the writer, reported from elsewhere. */
  isSyncing(userId: string): boolean {
    return (this.syncs.get(userId)?.inFlight ?? 0) > 0 || this.syncingElsewhere(userId);
  }

  /** On the writer: another process (`source`, its per-boot id) reports a user's syncs. */
  remoteSyncChanged(source: string, userId: string, syncing: boolean, atMs: number): void {
    if (!this.writesPresence) return;
    const now = this.clock.now();
    const reports = this.sources.get(source) ?? { users: new Set<string>(), lastUpdateTs: now };
    reports.lastUpdateTs = now;
    this.sources.set(source, reports);
    if (syncing) reports.users.add(userId);
    else reports.users.delete(userId);
    // The sync timeout of a user gone from every process counts from their last sync there.
    const syncs = this.syncs.get(userId) ?? { inFlight: 0, lastSeenTs: atMs };
    syncs.lastSeenTs = Math.max(syncs.lastSeenTs, Math.min(atMs, now));
    this.syncs.set(userId, syncs);
  }

  /** On the writer: the process with this per-boot id is gone (shut down, or silent too long). */
  syncSourceGone(source: string): void {
    const reports = this.sources.get(source);
    if (!reports) return;
    this.sources.delete(source);
    for (const userId of reports.users) this.seen(userId, 0);
  }

  /** `presence_set_state` on the writer: a status change, or a sync's activity (`is_sync`). */
  private async setState(body: StreamWriteBody<'presence_set_state'>): Promise<void> {
    if (!STATES.has(body.state)) {
      throw MatrixError.badJson('presence must be online, unavailable or offline');
    }
    const state = body.state as PresenceRecord['state'];
    // A sync's activity, or a status set without a syncing client, times out like a sync would.
    if (body.is_sync || state !== 'offline') this.seen(body.user_id, 0);
    if (body.is_sync) {
      await this.syncActivity(body.user_id, state);
      return;
    }
    await this.write({
      userId: body.user_id,
      state,
      statusMsg: body.status_msg,
      lastActiveTs: this.clock.now(),
    });
  }

  /** Sends the sync's activity on unless the same state went out recently. */
  private async relayActivity(userId: string, state: PresenceRecord['state']): Promise<void> {
    const now = this.clock.now();
    const last = this.relayed.get(userId);
    if (last && last.state === state && now - last.ts < SYNC_RELAY_INTERVAL_MS) return;
    this.relayed.set(userId, { state, ts: now });
    try {
      await this.writes.write('presence_set_state', {
        user_id: userId,
        state,
        status_msg: null,
        is_sync: true,
      });
    } catch (err) {
      this.relayed.delete(userId);
      throw err;
    }
  }

  private reportStoppedSyncs(): void {
    const now = this.clock.now();
    for (const userId of [...this.reported]) {
      const syncs = this.syncs.get(userId);
      if (syncs && (syncs.inFlight > 0 || now - syncs.lastSeenTs < SYNC_STOP_DELAY_MS)) continue;
      this.reported.delete(userId);
      this.syncs.delete(userId);
      this.relayed.delete(userId);
      this.emitSyncing(userId, false, syncs?.lastSeenTs ?? now);
    }
  }

  private emitSyncing(userId: string, syncing: boolean, atMs: number): void {
    for (const listener of this.syncingListeners) listener(userId, syncing, atMs);
  }

  private syncingElsewhere(userId: string): boolean {
    for (const { users } of this.sources.values()) if (users.has(userId)) return true;
    return false;
  }

  private seen(userId: string, inFlightChange: number): void {
    const syncs = this.syncs.get(userId) ?? { inFlight: 0, lastSeenTs: 0 };
    syncs.inFlight = Math.max(0, syncs.inFlight + inFlightChange);
    syncs.lastSeenTs = this.clock.now();
    this.syncs.set(userId, syncs);
  }

  /** On the writer. */
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
