import { Inject, Injectable } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG, type Requester } from '@chat/platform';
import { MatrixError } from '@chat/protocol';
import {
  AccountDataStore,
  DeviceStore,
  EventStore,
  PresenceStore,
  ToDeviceStore,
  type MembershipChange,
} from '@chat/storage';
import { isRowInRange, StreamToken, type StreamKey } from '@chat/streams';

import { Clock } from '../common/clock';
import { RoomAccessService, type RoomReadAccess } from '../rooms/room-access.service';
import { TypingService } from '../rooms/typing.service';
import { filterTyped, validateFilter, type EventFilter, type Filter } from './filter';
import { FilterService } from './filter.service';
import { PresenceService, presenceStatus } from './presence.service';
import { PushRulesService } from './push-rules.service';
import { RoomSyncService } from './room-sync.service';
import { StreamNotifier } from './stream-notifier';
import {
  MAX_SYNC_TIMEOUT_MS,
  parseBoolean,
  parseQueryInteger,
  parseSetPresence,
  type SyncQuery,
} from './sync-query';
import { SyncTokens } from './sync-tokens';
import {
  EARLIEST,
  sameToken,
  type Json,
  type MemberChange,
  type RoomPlan,
  type SyncRequest,
  type SyncResult,
} from './sync-types';

/** How long a token from ahead of this process waits for it to catch up (replication lag). */
const FUTURE_TOKEN_WAIT_MS = 3_000;
const FUTURE_TOKEN_POLL_MS = 50;
/** To-device messages per response; the rest follow in the next sync. */
const TO_DEVICE_LIMIT = 100;
const MAX_TRACKED_DEVICES = 100_000;
// Joined-room lists kept for syncing users; the least recently read go first.
const JOINED_ROOMS_CACHE_USERS = 50_000;
/**
 * `GET /sync` (protocol.md §6.5): everything that changed for the user between two composite
 * tokens, per room and per stream. A long-poll recomputes from `since` on every wake of the
 * notifier, so nothing that arrived in the meantime can fall between two reads.
 */
@Injectable()
export class SyncService {
  /** device → to-device position already acknowledged (deleted up to), least recent first. */
  private readonly toDeviceAcked = new Map<string, number>();
  private readonly joinedRoomsCache = new Map<string, { at: number; rooms: Map<string, number> }>();

  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly events: EventStore,
    private readonly accountData: AccountDataStore,
    private readonly presence: PresenceStore,
    private readonly toDevice: ToDeviceStore,
    private readonly devices: DeviceStore,
    private readonly access: RoomAccessService,
    private readonly typing: TypingService,
    private readonly filters: FilterService,
    private readonly rooms: RoomSyncService,
    private readonly presenceService: PresenceService,
    private readonly pushRules: PushRulesService,
    private readonly tokens: SyncTokens,
    private readonly notifier: StreamNotifier,
    private readonly clock: Clock,
  ) {}

  async sync(requester: Requester, query: SyncQuery): Promise<Json> {
    const filter = await this.resolveFilter(requester, query.filter);
    const timeoutMs = parseQueryInteger(query.timeout, 'timeout', 0, MAX_SYNC_TIMEOUT_MS);
    const fullState = parseBoolean(query.full_state, 'full_state');
    const syncEnded = await this.presenceService.syncStarted(
      requester.userId,
      parseSetPresence(query.set_presence),
    );
    try {
      return await this.respondTo(requester, query, filter, timeoutMs, fullState);
    } finally {
      syncEnded();
    }
  }

  private async respondTo(
    requester: Requester,
    query: SyncQuery,
    filter: Filter,
    timeoutMs: number,
    fullState: boolean,
  ): Promise<Json> {
    const device = deviceKey(requester);
    if (query.since === undefined) {
      this.rooms.lazyMembers.reset(device);
      return this.respond(
        await this.compute({ requester, filter, since: null, fullState, device }, this.now()),
        device,
      );
    }
    let since = await this.tokens.parse(query.since);
    // Typing lives in memory: a position beyond ours means this process restarted since.
    if (since.get('typing') > this.tokens.currentToken().get('typing')) {
      since = since.with('typing', 0);
    }
    if (!(await this.caughtUpTo(since))) {
      return { next_batch: query.since, ...emptyExtras() };
    }
    await this.acknowledgeToDevice(requester, since);
    const request: SyncRequest = { requester, filter, since, fullState, device };
    if (fullState || timeoutMs === 0) {
      return this.respond(await this.compute(request, this.now()), device);
    }
    return this.respond(await this.waitForChanges(request, since, timeoutMs), device);
  }

  /** The data between `from` and now, for the legacy `/events` long-poll. */
  async changesSince(
    requester: Requester,
    from: StreamToken,
    timeoutMs: number,
    filter: Filter,
  ): Promise<{ result: Json; next: StreamToken }> {
    const device = deviceKey(requester);
    const request: SyncRequest = { requester, filter, since: from, fullState: false, device };
    const result = await this.waitForChanges(request, from, timeoutMs);
    return { result: result.body, next: result.nextBatch };
  }

  /**
   * Long-polls until the computation from `from` finds something or `timeoutMs` passes; then
   * the last (empty) computation is the answer, so its positions still move forward.
   */
  private async waitForChanges(
    request: SyncRequest,
    from: StreamToken,
    timeoutMs: number,
  ): Promise<SyncResult> {
    let last: SyncResult | null = null;
    const rooms = (await this.joinedRooms(request)).keys();
    const found = await this.notifier.waitForEvents(
      request.requester.userId,
      rooms,
      from,
      timeoutMs,
      async () => {
        last = await this.compute(request, this.now());
        return last.empty ? null : last;
      },
    );
    return found ?? (last as SyncResult | null) ?? this.compute(request, this.now());
  }

  /** An initial sync's body with the given filter, for the legacy `/initialSync`. */
  async snapshot(
    requester: Requester,
    filter: Filter,
  ): Promise<{ result: Json; next: StreamToken }> {
    const device = deviceKey(requester);
    const result = await this.compute(
      { requester, filter, since: null, fullState: false, device },
      this.now(),
    );
    return { result: result.body, next: result.nextBatch };
  }

  currentToken(): StreamToken {
    return this.tokens.currentToken();
  }

  parseToken(text: string): Promise<StreamToken> {
    return this.tokens.parse(text);
  }

  serializeToken(token: StreamToken): Promise<string> {
    return this.tokens.serialize(token);
  }

  private now(): StreamToken {
    return this.tokens.currentToken();
  }

  private async respond(result: SyncResult, device: string): Promise<Json> {
    this.rooms.lazyMembers.record(device, result.lazySent);
    return { next_batch: await this.tokens.serialize(result.nextBatch), ...result.body };
  }

  /** `filter` is a filter id or inline JSON (if it starts with `{`). */
  private async resolveFilter(requester: Requester, text: string | undefined): Promise<Filter> {
    if (text === undefined || text === '') return {};
    if (text.startsWith('{')) {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        throw MatrixError.invalidParam('filter is not valid JSON');
      }
      return validateFilter(raw, MatrixError.invalidParam);
    }
    return this.filters.get(requester, requester.userId, text);
  }

  /** Streams persisted in the database must have reached `since` here; typing is exempt. */
  private async caughtUpTo(since: StreamToken): Promise<boolean> {
    const deadline = this.clock.now() + FUTURE_TOKEN_WAIT_MS;
    for (;;) {
      const current = this.tokens.currentToken();
      if (since.with('typing', current.get('typing')).isBeforeOrEq(current)) return true;
      if (this.clock.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, FUTURE_TOKEN_POLL_MS));
    }
  }

  /**
   * A sync from `since` proves the device received every to-device message up to it. Each
   * device's acknowledged position is remembered, so the steady stream of syncs with nothing
   * new to acknowledge costs no write.
   */
  private async acknowledgeToDevice(requester: Requester, since: StreamToken): Promise<void> {
    const upTo = since.get('to_device');
    const device = deviceKey(requester);
    if (upTo <= (this.toDeviceAcked.get(device) ?? 0)) return;
    await this.toDevice.deleteMessagesForDevice(requester.userId, requester.deviceId, upTo);
    this.toDeviceAcked.delete(device);
    this.toDeviceAcked.set(device, upTo);
    if (this.toDeviceAcked.size > MAX_TRACKED_DEVICES) {
      this.toDeviceAcked.delete(this.toDeviceAcked.keys().next().value as string);
    }
  }

  private async compute(request: SyncRequest, now: StreamToken): Promise<SyncResult> {
    const { requester, filter, since } = request;
    const userId = requester.userId;
    const changed = (key: StreamKey): boolean => since === null || !sameToken(since, now, key);
    const roomFilter = filter.room ?? {};
    const roomAllowed = (roomId: string): boolean =>
      (!roomFilter.rooms || roomFilter.rooms.includes(roomId)) &&
      !(roomFilter.not_rooms ?? []).includes(roomId);

    const body: Json = {};
    const rooms = { join: {} as Json, invite: {} as Json, leave: {} as Json, knock: {} as Json };
    const lazySent: SyncResult['lazySent'] = [];
    const memberChanges: MemberChange[] = [];
    let nextBatch = now;

    // Room sections: which rooms, and how each is synced.
    const joinedAt = await this.joinedRooms(request);
    const joined = [...joinedAt.keys()].filter(roomAllowed);
    const plans: RoomPlan[] = [];
    const invites: MembershipChange[] = [];
    const knocks: MembershipChange[] = [];
    const roomUpTo = now.get('room').maxPos();
    const memberJoinAccess = (roomId: string): RoomReadAccess => ({
      roomId,
      userId,
      currentMembership: 'join',
      departedAt: null,
    });
    let forgottenRooms: Set<string> | null = null;
    const forgotten = async (): Promise<Set<string>> =>
      (forgottenRooms ??= await this.events.getForgottenRooms(userId));
    if (since === null) {
      for (const roomId of joined) {
        plans.push({
          roomId,
          section: 'join',
          full: true,
          after: EARLIEST,
          upTo: roomUpTo,
          access: memberJoinAccess(roomId),
        });
      }
      for (const [membership, list] of [
        ['invite', invites],
        ['knock', knocks],
      ] as const) {
        for (const roomId of await this.events.getRoomsForUser(userId, [membership])) {
          if (!roomAllowed(roomId)) continue;
          const record = await this.events.getCurrentMembership(roomId, userId);
          if (record) list.push({ ...record, roomId, sender: '', instanceName: '' });
        }
      }
      for (const roomId of await this.events.getRoomsForUser(userId, ['leave', 'ban'])) {
        if (!roomAllowed(roomId) || (await forgotten()).has(roomId)) continue;
        const access = await this.access.requireReadAccess(userId, roomId).catch(() => null);
        const departed = access?.departedAt;
        if (!access || !departed) continue;
        const selfLeft = departed.event.sender === userId;
        if (selfLeft && !roomFilter.include_leave) continue;
        plans.push({
          roomId,
          section: 'leave',
          full: true,
          after: EARLIEST,
          upTo: departed.streamOrdering,
          access,
        });
      }
    } else {
      const sinceRoom = since.get('room');
      const latest = new Map<string, MembershipChange>();
      const joinedInRange = new Set<string>();
      if (changed('room') && this.notifier.membershipChangedSince(userId, sinceRoom.min)) {
        const changes = (
          await this.events.getMembershipChanges(userId, sinceRoom.min, roomUpTo)
        ).filter((c) => isRowInRange(sinceRoom, now.get('room'), c.instanceName, c.streamOrdering));
        for (const change of changes) {
          latest.set(change.roomId, change);
          if (change.membership === 'join' && !(await this.wasJoinedBefore(change))) {
            joinedInRange.add(change.roomId);
          }
        }
      }
      const roomsWithEvents = changed('room')
        ? new Set(
            this.notifier.roomsChangedSince(joined, sinceRoom.min) ??
              (await this.events.getRoomsChangedBetween(sinceRoom.min, roomUpTo)),
          )
        : new Set<string>();
      const ephemeralRooms = await this.roomsWithEphemeralChanges(since, now, joined, userId);
      for (const roomId of joined) {
        const newlyJoined = joinedInRange.has(roomId);
        if (!newlyJoined && !request.fullState && !roomsWithEvents.has(roomId)) {
          if (!ephemeralRooms.has(roomId)) continue;
        }
        plans.push({
          roomId,
          section: 'join',
          full: newlyJoined || request.fullState,
          newlyJoined,
          after: newlyJoined ? EARLIEST : sinceRoom.min,
          upTo: roomUpTo,
          access: memberJoinAccess(roomId),
        });
      }
      const joinedSet = new Set(joined);
      for (const change of latest.values()) {
        if (!roomAllowed(change.roomId) || joinedSet.has(change.roomId)) continue;
        if (change.membership === 'invite') invites.push(change);
        else if (change.membership === 'knock') knocks.push(change);
        else if (
          (change.membership === 'leave' || change.membership === 'ban') &&
          !(await forgotten()).has(change.roomId)
        ) {
          const departedAt = (await this.events.getEvents([change.eventId])).get(change.eventId);
          if (!departedAt) continue;
          plans.push({
            roomId: change.roomId,
            section: 'leave',
            full: joinedInRange.has(change.roomId),
            after: sinceRoom.min,
            upTo: change.streamOrdering,
            access: {
              roomId: change.roomId,
              userId,
              currentMembership: change.membership,
              departedAt,
            },
          });
        }
      }
    }

    // Per-room content.
    const roomAccountData = changed('account_data')
      ? await this.accountData.getAccountDataChanges(
          userId,
          since?.get('account_data') ?? 0,
          now.get('account_data'),
        )
      : [];
    const roomResults = await this.rooms.syncRooms(request, now, plans, roomAccountData, joinedAt, {
      lazySent,
      memberChanges,
    });
    for (const plan of plans) {
      const result = roomResults.get(plan.roomId);
      if (result) rooms[plan.section][plan.roomId] = result;
    }
    for (const change of invites) {
      rooms.invite[change.roomId] = {
        invite_state: { events: await this.rooms.strippedState(change.eventId) },
      };
    }
    for (const change of knocks) {
      rooms.knock[change.roomId] = {
        knock_state: { events: await this.rooms.strippedState(change.eventId) },
      };
    }
    const roomsBody: Json = {};
    for (const [section, content] of Object.entries(rooms)) {
      if (Object.keys(content).length > 0) roomsBody[section] = content;
    }
    if (Object.keys(roomsBody).length > 0) body['rooms'] = roomsBody;

    // Global streams.
    const globalAccountData = await this.globalAccountData(
      request,
      roomAccountData.filter((c) => c.roomId === null),
      since === null || changed('push_rules'),
    );
    if (globalAccountData.length > 0) body['account_data'] = { events: globalAccountData };
    if (changed('presence')) {
      const presence = await this.presenceEvents(userId, since, now, filter.presence);
      if (presence.length > 0) body['presence'] = { events: presence };
    }
    if (changed('to_device')) {
      const messages = await this.toDevice.getMessagesForDevice(
        userId,
        requester.deviceId,
        since?.get('to_device') ?? 0,
        now.get('to_device'),
        TO_DEVICE_LIMIT,
      );
      if (messages.length > 0) {
        body['to_device'] = {
          events: messages.map(({ sender, type, content }) => ({ sender, type, content })),
        };
        // More are waiting: the next sync continues right after the last one delivered.
        if (messages.length === TO_DEVICE_LIMIT) {
          nextBatch = nextBatch.with('to_device', messages[messages.length - 1].streamId);
        }
      }
    }
    if (since !== null) {
      const deviceLists = await this.deviceListChanges(
        userId,
        since,
        now,
        changed('device_list'),
        memberChanges,
      );
      if (deviceLists.changed.length > 0 || deviceLists.left.length > 0) {
        body['device_lists'] = deviceLists;
      }
    }
    const empty = Object.keys(body).length === 0;
    Object.assign(body, emptyExtras());
    return { body, nextBatch, empty, lazySent };
  }

  /**
   * The user's joined rooms with their join positions: read again only after a membership change
   * of the user. `at` is a position every write up to which the read saw (the token's minimum).
   */
  private async joinedRooms(request: SyncRequest): Promise<Map<string, number>> {
    const userId = request.requester.userId;
    const cached = this.joinedRoomsCache.get(userId);
    if (cached && !this.notifier.membershipChangedSince(userId, cached.at)) return cached.rooms;
    const at = this.tokens.currentToken().get('room').min;
    const rooms = await this.events.getJoinedRoomPositions(userId);
    this.joinedRoomsCache.delete(userId);
    this.joinedRoomsCache.set(userId, { at, rooms });
    if (this.joinedRoomsCache.size > JOINED_ROOMS_CACHE_USERS) {
      this.joinedRoomsCache.delete(this.joinedRoomsCache.keys().next().value as string);
    }
    return rooms;
  }

  /** Was the user already joined before this join (a profile change is a join after a join)? */
  private async wasJoinedBefore(change: MembershipChange): Promise<boolean> {
    const stored = (await this.events.getEvents([change.eventId])).get(change.eventId);
    const replaced = stored?.replacesState;
    if (!replaced) return false;
    return (await this.events.getEvents([replaced])).get(replaced)?.event.membership === 'join';
  }

  private async roomsWithEphemeralChanges(
    since: StreamToken,
    now: StreamToken,
    joined: readonly string[],
    userId: string,
  ): Promise<Set<string>> {
    const rooms = new Set<string>();
    const sinceTyping = since.get('typing');
    if (sinceTyping !== now.get('typing')) {
      for (const roomId of joined)
        if (this.typing.lastChange(roomId) > sinceTyping) rooms.add(roomId);
    }
    if (!sameToken(since, now, 'receipt')) {
      for (const r of await this.rooms.receiptsBetween(joined, since, now)) {
        if (r.receiptType !== 'm.read.private' || r.userId === userId) rooms.add(r.roomId);
      }
    }
    if (!sameToken(since, now, 'account_data')) {
      const changes = await this.accountData.getAccountDataChanges(
        userId,
        since.get('account_data'),
        now.get('account_data'),
      );
      for (const c of changes) if (c.roomId !== null) rooms.add(c.roomId);
    }
    return rooms;
  }

  private async globalAccountData(
    request: SyncRequest,
    changes: ReadonlyArray<{ type: string; content: Json }>,
    pushRulesChanged: boolean,
  ): Promise<Json[]> {
    const events: Json[] = changes.map(({ type, content }) => ({ type, content }));
    // Clients read their push rules from account data as well as from the push rules API.
    if (pushRulesChanged) {
      events.push({
        type: 'm.push_rules',
        content: { global: await this.pushRules.ruleset(request.requester.userId) },
      });
    }
    return filterTyped(events, request.filter.account_data);
  }

  private async presenceEvents(
    userId: string,
    since: StreamToken | null,
    now: StreamToken,
    filter: EventFilter | undefined,
  ): Promise<Json[]> {
    if (!this.config.usePresence) return [];
    const records = await this.presence.getPeerPresenceChanges(
      userId,
      since?.get('presence') ?? 0,
      now.get('presence'),
    );
    const nowMs = this.clock.now();
    const events = records.map((r) => ({
      type: 'm.presence',
      sender: r.userId,
      content: presenceStatus(r, nowMs),
    }));
    return filterTyped(events, filter);
  }

  /**
   * `device_lists.changed`: the user and everyone sharing a room whose devices changed, plus
   * members who newly share a room (seen in this sync's member events); `left`: members seen
   * leaving who no longer share any room.
   */
  private async deviceListChanges(
    userId: string,
    since: StreamToken,
    now: StreamToken,
    devicesChanged: boolean,
    memberChanges: readonly MemberChange[],
  ): Promise<{ changed: string[]; left: string[] }> {
    const others = memberChanges.filter((c) => c.userId !== userId);
    if (!devicesChanged && others.length === 0) return { changed: [], left: [] };
    const peers = await this.events.getUsersSharingRoomWith(userId);
    const changedUsers = new Set<string>();
    const left = new Set<string>();
    if (devicesChanged) {
      const low = since.get('device_list');
      const high = now.get('device_list');
      for (const row of await this.devices.getDeviceListChanges(low.min, high.maxPos())) {
        if (row.userId === userId || peers.has(row.userId)) changedUsers.add(row.userId);
      }
    }
    for (const { userId: other, membership } of others) {
      if (membership === 'join' && peers.has(other)) changedUsers.add(other);
      if (membership !== 'join' && !peers.has(other)) left.add(other);
    }
    for (const user of changedUsers) left.delete(user);
    return { changed: [...changedUsers], left: [...left] };
  }
}

function deviceKey(requester: Requester): string {
  return `${requester.userId}|${requester.deviceId}`;
}

/** Fields every response carries, filled once end-to-end encryption lands. */
function emptyExtras(): Json {
  return {
    device_one_time_keys_count: { signed_curve25519: 0 },
    device_unused_fallback_key_types: [],
  };
}
