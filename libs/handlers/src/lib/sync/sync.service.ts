import { Inject, Injectable } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG, type Requester } from '@chat/platform';
import { MatrixError, parseStateMapKey, stateMapKey, type StateMap } from '@chat/protocol';
import {
  AccountDataStore,
  DeviceStore,
  EventStore,
  PresenceStore,
  PushActionStore,
  ReceiptStore,
  ToDeviceStore,
  type EventPageFilter,
  type MembershipChange,
  type StoredEvent,
} from '@chat/storage';
import { isRowInRange, StreamToken, type StreamKey } from '@chat/streams';

import { Clock } from '../common/clock';
import { ClientEventSerializer, type ClientEvent } from '../rooms/client-event.serializer';
import { RoomAccessService, type RoomReadAccess } from '../rooms/room-access.service';
import { RoomStateService } from '../rooms/room-state.service';
import { TypingService } from '../rooms/typing.service';
import { validateFilter, type EventFilter, type Filter, type RoomEventFilter } from './filter';
import { FilterService } from './filter.service';
import { LazyMemberCache } from './lazy-members';
import { PresenceService, presenceStatus } from './presence.service';
import { PushRulesService } from './push-rules.service';
import { StreamNotifier } from './stream-notifier';
import { formatSyncEvent } from './sync-event-format';
import { SyncTokens } from './sync-tokens';

/** Synapse's default timeline limit, and our cap on what a filter may ask for. */
const DEFAULT_TIMELINE_LIMIT = 10;
const MAX_TIMELINE_LIMIT = 1000;
/** Long-polls above this are clamped (a proxy would cut them off anyway). */
export const MAX_SYNC_TIMEOUT_MS = 60_000;
/** How long a token from ahead of this process waits for it to catch up (replication lag). */
const FUTURE_TOKEN_WAIT_MS = 3_000;
const FUTURE_TOKEN_POLL_MS = 50;
/** To-device messages per response; the rest follow in the next sync. */
const TO_DEVICE_LIMIT = 100;
const MAX_HEROES = 5;
const MAX_TRACKED_DEVICES = 100_000;
// Joined-room lists kept for syncing users; the least recently read go first.
const JOINED_ROOMS_CACHE_USERS = 50_000;
/** Stripped state an invitee or knocker sees (Synapse's default `room_prejoin_state`). */
const PREJOIN_STATE_TYPES = [
  'm.room.create',
  'm.room.join_rules',
  'm.room.canonical_alias',
  'm.room.avatar',
  'm.room.encryption',
  'm.room.name',
  'm.room.topic',
];
const EARLIEST = Number.MIN_SAFE_INTEGER;

export interface SyncQuery {
  since?: string;
  timeout?: string;
  full_state?: string;
  set_presence?: string;
  filter?: string;
}

type Json = Record<string, unknown>;

interface MemberChange {
  userId: string;
  membership: string;
}

/** The parts of one `/sync` computation that stay fixed while a long-poll waits. */
interface SyncRequest {
  requester: Requester;
  filter: Filter;
  since: StreamToken | null;
  fullState: boolean;
  /** Key of the requesting device in the lazy-loading cache. */
  device: string;
}

/** How one room is synced: its section, where its timeline starts and ends, and how to read it. */
interface RoomPlan {
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

interface SyncResult {
  body: Json;
  nextBatch: StreamToken;
  /** Nothing for the client: a long-poll keeps waiting. */
  empty: boolean;
  lazySent: Array<{ roomId: string; userId: string; eventId: string }>;
}

/**
 * `GET /sync` (protocol.md §6.5): everything that changed for the user between two composite
 * tokens, per room and per stream. A long-poll recomputes from `since` on every wake of the
 * notifier, so nothing that arrived in the meantime can fall between two reads.
 */
@Injectable()
export class SyncService {
  private readonly lazyMembers = new LazyMemberCache();
  /** device → to-device position already acknowledged (deleted up to), least recent first. */
  private readonly toDeviceAcked = new Map<string, number>();
  private readonly joinedRoomsCache = new Map<string, { at: number; rooms: Map<string, number> }>();

  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly events: EventStore,
    private readonly receipts: ReceiptStore,
    private readonly accountData: AccountDataStore,
    private readonly presence: PresenceStore,
    private readonly toDevice: ToDeviceStore,
    private readonly devices: DeviceStore,
    private readonly state: RoomStateService,
    private readonly access: RoomAccessService,
    private readonly serializer: ClientEventSerializer,
    private readonly typing: TypingService,
    private readonly filters: FilterService,
    private readonly presenceService: PresenceService,
    private readonly pushRules: PushRulesService,
    private readonly pushActions: PushActionStore,
    private readonly tokens: SyncTokens,
    private readonly notifier: StreamNotifier,
    private readonly clock: Clock,
  ) {}

  async sync(requester: Requester, query: SyncQuery): Promise<Json> {
    const filter = await this.resolveFilter(requester, query.filter);
    const timeoutMs = parseQueryInteger(query.timeout, 'timeout', 0, MAX_SYNC_TIMEOUT_MS);
    const fullState = parseBoolean(query.full_state, 'full_state');
    await this.presenceService.syncActivity(requester.userId, parseSetPresence(query.set_presence));
    const device = deviceKey(requester);
    if (query.since === undefined) {
      this.lazyMembers.reset(device);
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
    this.lazyMembers.record(device, result.lazySent);
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
    const roomResults = await this.syncRooms(request, now, plans, roomAccountData, joinedAt, {
      lazySent,
      memberChanges,
    });
    for (const plan of plans) {
      const result = roomResults.get(plan.roomId);
      if (result) rooms[plan.section][plan.roomId] = result;
    }
    for (const change of invites) {
      rooms.invite[change.roomId] = {
        invite_state: { events: await this.strippedState(change.eventId) },
      };
    }
    for (const change of knocks) {
      rooms.knock[change.roomId] = {
        knock_state: { events: await this.strippedState(change.eventId) },
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
      for (const r of await this.receiptsBetween(joined, since, now)) {
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

  private async receiptsBetween(
    roomIds: readonly string[],
    since: StreamToken | null,
    now: StreamToken,
  ) {
    const low = since?.get('receipt');
    const high = now.get('receipt');
    const rows = await this.receipts.getReceiptsInRange(roomIds, low?.min ?? 0, high.maxPos());
    return low ? rows.filter((r) => isRowInRange(low, high, r.instanceName, r.streamId)) : rows;
  }

  private async syncRooms(
    request: SyncRequest,
    now: StreamToken,
    plans: readonly RoomPlan[],
    accountData: ReadonlyArray<{ roomId: string | null; type: string; content: Json }>,
    joinedAt: ReadonlyMap<string, number>,
    seen: { lazySent: SyncResult['lazySent']; memberChanges: MemberChange[] },
  ): Promise<Map<string, Json>> {
    const out = new Map<string, Json>();
    if (plans.length === 0) return out;
    const { filter, since, requester } = request;
    const userId = requester.userId;
    const roomFilter = filter.room ?? {};
    const timelineFilter = roomFilter.timeline ?? {};
    const limit = Math.min(timelineFilter.limit ?? DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT);
    const pageFilter = toPageFilter(timelineFilter);

    // Timelines: one query per distinct (after, upTo), which is one or two for joined rooms.
    const timelines = new Map<string, StoredEvent[]>();
    const groups = new Map<string, RoomPlan[]>();
    for (const plan of plans) {
      const key = `${plan.after}:${plan.upTo}`;
      groups.set(key, [...(groups.get(key) ?? []), plan]);
    }
    for (const group of groups.values()) {
      const { after, upTo } = group[0];
      const found = await this.events.getRecentRoomEvents(
        group.map((p) => p.roomId),
        after,
        upTo,
        limit + 1,
        pageFilter,
      );
      for (const [roomId, list] of found) timelines.set(roomId, list);
    }
    const sinceRoom = since?.get('room');
    const nowRoom = now.get('room');

    const receiptRooms = plans.filter((p) => p.section === 'join').map((p) => p.roomId);
    const receipts =
      since === null || !sameToken(since, now, 'receipt')
        ? await this.receiptsBetween(receiptRooms, since, now)
        : [];
    const unread = await this.pushActions.getUnreadCounts(
      userId,
      plans.filter((p) => p.section === 'join').map((p) => p.roomId),
    );
    const summaries = new Map<string, Json>();

    for (const plan of plans) {
      let newestFirst = timelines.get(plan.roomId) ?? [];
      if (sinceRoom && !plan.full) {
        newestFirst = newestFirst.filter((s) =>
          isRowInRange(sinceRoom, nowRoom, s.instanceName, s.streamOrdering),
        );
      }
      const limited =
        newestFirst.length > limit || (plan.newlyJoined === true && newestFirst.length > 0);
      const page = newestFirst.slice(0, limit).reverse();
      const timeline = await this.visibleTimeline(plan, page, joinedAt.get(plan.roomId));
      const stateFilter = roomFilter.state ?? {};
      const gap = limited && sinceRoom !== undefined && !plan.full;
      const stateAtStart =
        plan.full || gap || stateFilter.lazy_load_members
          ? await this.stateAtTimelineStart(plan, page)
          : new Map<string, string>();
      let stateIds: StateMap<string>;
      if (plan.full) {
        stateIds = stateAtStart;
      } else if (gap && sinceRoom) {
        const atSince = await this.lastEventUpTo(plan.roomId, sinceRoom.min);
        const before = atSince ? await this.state.stateAfter(atSince) : new Map<string, string>();
        stateIds = new Map([...stateAtStart].filter(([key, id]) => before.get(key) !== id));
      } else {
        stateIds = new Map();
      }
      if (stateFilter.lazy_load_members) {
        stateIds = this.lazyMemberState(request, plan, stateIds, stateAtStart, timeline, gap);
      }
      const stateEvents = filterEvents(
        [...(await this.state.load(stateIds)).values()],
        stateFilter,
      );
      for (const s of [...stateEvents, ...timeline]) {
        const { type, stateKey, membership, eventId } = s.event;
        if (type !== 'm.room.member' || stateKey === undefined) continue;
        seen.lazySent.push({ roomId: plan.roomId, userId: stateKey, eventId });
        if (membership) seen.memberChanges.push({ userId: stateKey, membership });
      }

      const room: Json = {};
      const formattedTimeline = await this.formatEvents(requester, timeline, filter);
      const timelineBody: Json = { events: formattedTimeline, limited };
      // Just before the first event the client gets: hidden ones before it stay reachable.
      const first = timeline[0] ?? page[0];
      if (first)
        timelineBody['prev_batch'] = `t${first.topologicalOrdering}-${first.streamOrdering}`;
      else if (sinceRoom)
        timelineBody['prev_batch'] = await this.tokens.serialize(
          StreamToken.of({ room: sinceRoom }),
        );
      room['timeline'] = timelineBody;
      room['state'] = { events: await this.formatEvents(requester, stateEvents, filter) };
      const ephemeral =
        plan.section === 'join'
          ? this.ephemeral(plan.roomId, since, receipts, userId, roomFilter.ephemeral)
          : [];
      if (plan.section === 'join') room['ephemeral'] = { events: ephemeral };
      const roomData = filterTyped(
        accountData
          .filter((c) => c.roomId === plan.roomId)
          .map(({ type, content }) => ({ type, content })),
        roomFilter.account_data,
      );
      room['account_data'] = { events: roomData };
      if (plan.section === 'join') {
        const counts = unread.get(plan.roomId) ?? { notifications: 0, highlights: 0 };
        room['unread_notifications'] = {
          notification_count: counts.notifications,
          highlight_count: counts.highlights,
        };
      }
      const membersChanged = [...stateEvents, ...timeline].some(
        (s) => s.event.type === 'm.room.member',
      );
      if (plan.section === 'join' && (plan.full || membersChanged)) summaries.set(plan.roomId, {});
      const hasContent =
        plan.full ||
        plan.section === 'leave' ||
        formattedTimeline.length > 0 ||
        stateEvents.length > 0 ||
        ephemeral.length > 0 ||
        roomData.length > 0;
      if (hasContent) out.set(plan.roomId, room);
    }
    await this.addSummaries(out, summaries, userId);
    return out;
  }

  /**
   * Lazy loading keeps only the member events a client needs to render the timeline: its
   * senders (and the user itself on a full sync), minus what this device already has; a gap
   * also brings every membership that changed inside it.
   */
  private lazyMemberState(
    request: SyncRequest,
    plan: RoomPlan,
    stateIds: StateMap<string>,
    stateAtStart: StateMap<string>,
    timeline: readonly StoredEvent[],
    gap: boolean,
  ): StateMap<string> {
    const redundantOk = request.filter.room?.state?.include_redundant_members === true;
    const wanted = new Set(timeline.map((s) => s.event.sender));
    if (plan.full) wanted.add(request.requester.userId);
    const out = new Map<string, string>();
    for (const [key, id] of stateIds) {
      const [type] = parseStateMapKey(key);
      if (type !== 'm.room.member' || gap) out.set(key, id);
    }
    for (const userId of wanted) {
      const key = stateMapKey('m.room.member', userId);
      const id = stateAtStart.get(key);
      if (!id || out.has(key)) continue;
      if (
        !redundantOk &&
        !plan.full &&
        this.lazyMembers.has(request.device, plan.roomId, userId, id)
      ) {
        continue;
      }
      out.set(key, id);
    }
    return out;
  }

  /**
   * When the timeline ends at the room's newest event, the state at its start is the current
   * state with the timeline's own state changes undone: no walk through state groups. If events
   * arrived after `upTo`, the current state is ahead of the timeline and the groups decide.
   */
  private async stateAtTimelineStart(
    plan: RoomPlan,
    page: readonly StoredEvent[],
  ): Promise<StateMap<string>> {
    if (plan.section === 'join' && !this.notifier.roomChangedAfter(plan.roomId, plan.upTo)) {
      const state = new Map(await this.events.getCurrentState(plan.roomId));
      for (const stored of [...page].reverse()) {
        const { type, stateKey } = stored.event;
        if (stateKey === undefined) continue;
        if (stored.replacesState) state.set(stateMapKey(type, stateKey), stored.replacesState);
        else state.delete(stateMapKey(type, stateKey));
      }
      return state;
    }
    const start = page[0] ?? (await this.lastEventUpTo(plan.roomId, plan.upTo));
    if (!start) return new Map();
    return page[0] ? this.stateBefore(start) : this.state.stateAfter(start);
  }

  /**
   * Everything after the user's current join is visible to them; only older events (history
   * before joining, or a room they left) go through the history-visibility rules.
   */
  private async visibleTimeline(
    plan: RoomPlan,
    page: StoredEvent[],
    joinedAt: number | undefined,
  ): Promise<StoredEvent[]> {
    if (plan.section !== 'join' || joinedAt === undefined) {
      return this.access.filterVisible(plan.access, page);
    }
    const older = page.filter((s) => s.streamOrdering < joinedAt);
    if (older.length === 0) return page;
    const visible = new Set(await this.access.filterVisible(plan.access, older));
    return page.filter((s) => s.streamOrdering >= joinedAt || visible.has(s));
  }

  private async lastEventUpTo(roomId: string, upTo: number): Promise<StoredEvent | null> {
    const found = await this.events.getRecentRoomEvents([roomId], EARLIEST, upTo, 1);
    return found.get(roomId)?.[0] ?? null;
  }

  /** The state an event was sent in: its own state change undone. */
  private async stateBefore(stored: StoredEvent): Promise<StateMap<string>> {
    const after = await this.state.stateAfter(stored);
    if (stored.event.stateKey === undefined) return after;
    const before = new Map(after);
    const key = stateMapKey(stored.event.type, stored.event.stateKey);
    if (stored.replacesState) before.set(key, stored.replacesState);
    else before.delete(key);
    return before;
  }

  private ephemeral(
    roomId: string,
    since: StreamToken | null,
    receipts: Awaited<ReturnType<SyncService['receiptsBetween']>>,
    userId: string,
    filter: RoomEventFilter | undefined,
  ): Json[] {
    const events: Json[] = [];
    const typingChanged =
      since === null ? true : this.typing.lastChange(roomId) > since.get('typing');
    const typingUsers = this.typing.typingUsers(roomId);
    if (typingChanged && (since !== null || typingUsers.length > 0)) {
      events.push({ type: 'm.typing', content: { user_ids: typingUsers } });
    }
    const content: Record<string, Record<string, Record<string, Json>>> = {};
    for (const r of receipts) {
      if (r.roomId !== roomId) continue;
      if (r.receiptType === 'm.read.private' && r.userId !== userId) continue;
      const byType = (content[r.eventId] ??= {});
      const byUser = (byType[r.receiptType] ??= {});
      byUser[r.userId] = r.threadId ? { ...r.data, thread_id: r.threadId } : { ...r.data };
    }
    if (Object.keys(content).length > 0) events.push({ type: 'm.receipt', content });
    return filterTyped(events, filter);
  }

  private async addSummaries(
    out: Map<string, Json>,
    wanted: Map<string, Json>,
    userId: string,
  ): Promise<void> {
    const roomIds = [...wanted.keys()].filter((id) => out.has(id));
    if (roomIds.length === 0) return;
    const members = await this.events.getRoomMemberEntries(roomIds);
    for (const roomId of roomIds) {
      const entries = members.get(roomId) ?? [];
      const count = (m: string) => entries.filter((e) => e.membership === m).length;
      const others = entries.filter((e) => e.userId !== userId);
      let heroes = others.filter((e) => e.membership === 'join' || e.membership === 'invite');
      if (heroes.length === 0)
        heroes = others.filter((e) => e.membership === 'leave' || e.membership === 'ban');
      (out.get(roomId) as Json)['summary'] = {
        'm.heroes': heroes.slice(0, MAX_HEROES).map((e) => e.userId),
        'm.joined_member_count': count('join'),
        'm.invited_member_count': count('invite'),
      };
    }
  }

  private async formatEvents(
    requester: Requester,
    list: readonly StoredEvent[],
    filter: Filter,
  ): Promise<ClientEvent[]> {
    if (filter.event_format === 'federation') {
      return list.map((s) => formatSyncEvent({ ...s.event.pdu } as ClientEvent, filter));
    }
    const own = list.filter((s) => s.event.sender === requester.userId).map((s) => s.event.eventId);
    const txnIds = own.length
      ? await this.events.getTxnIdsForEvents(requester.userId, requester.deviceId, own)
      : new Map<string, string>();
    const serialized = await this.serializer.serializeMany(list);
    return serialized.map((event) => {
      const txnId = txnIds.get(event['event_id'] as string);
      if (txnId !== undefined) {
        event['unsigned'] = { ...(event['unsigned'] as Json), transaction_id: txnId };
      }
      return formatSyncEvent(event, filter);
    });
  }

  /** Stripped state for an invitee or knocker: a few state events and their own membership. */
  private async strippedState(membershipEventId: string): Promise<Json[]> {
    const stored = (await this.events.getEvents([membershipEventId])).get(membershipEventId);
    if (!stored) return [];
    const state = await this.state.stateAfter(stored);
    const ids = new Map<string, string>();
    for (const type of PREJOIN_STATE_TYPES) {
      const id = state.get(stateMapKey(type, ''));
      if (id) ids.set(stateMapKey(type, ''), id);
    }
    const loaded = [...(await this.state.load(ids)).values(), stored];
    return loaded.map(({ event }) => ({
      type: event.type,
      state_key: event.stateKey ?? '',
      content: event.content,
      sender: event.sender,
    }));
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

/** Whether two tokens are at the same position in one stream. */
function sameToken<K extends StreamKey>(a: StreamToken, b: StreamToken, key: K): boolean {
  const onlyA = StreamToken.ZERO.with(key, a.get(key));
  const onlyB = StreamToken.ZERO.with(key, b.get(key));
  return onlyA.isBeforeOrEq(onlyB) && onlyB.isBeforeOrEq(onlyA);
}

/** A non-negative integer query parameter, clamped to `max` (not refused above it). */
export function parseQueryInteger(
  text: string | undefined,
  name: string,
  fallback: number,
  max: number,
): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,15}$/.test(text)) {
    throw MatrixError.invalidParam(`${name} must be a non-negative integer`);
  }
  return Math.min(Number(text), max);
}

function parseBoolean(text: string | undefined, name: string): boolean {
  if (text === undefined || text === '' || text === 'false') return false;
  if (text === 'true') return true;
  throw MatrixError.invalidParam(`${name} must be true or false`);
}

function parseSetPresence(text: string | undefined): 'online' | 'unavailable' | 'offline' {
  if (text === undefined || text === '') return 'online';
  if (text === 'online' || text === 'unavailable' || text === 'offline') return text;
  throw MatrixError.invalidParam('set_presence must be online, unavailable or offline');
}

function toPageFilter(filter: RoomEventFilter): EventPageFilter {
  return {
    types: filter.types,
    notTypes: filter.not_types,
    senders: filter.senders,
    notSenders: filter.not_senders,
    containsUrl: filter.contains_url,
  };
}

/** `*` matches any run of characters in a filter's type patterns. */
function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`).test(value);
}

function typeAllowed(filter: EventFilter | undefined, type: string): boolean {
  if (!filter) return true;
  if (filter.not_types?.some((p) => globMatch(p, type))) return false;
  return !filter.types || filter.types.some((p) => globMatch(p, type));
}

function senderAllowed(filter: EventFilter | undefined, sender: string | undefined): boolean {
  if (!filter || sender === undefined) return true;
  if (filter.not_senders?.includes(sender)) return false;
  return !filter.senders || filter.senders.includes(sender);
}

/** Non-room events (account data, presence, ephemeral) through an EventFilter, with its limit. */
function filterTyped<T extends Json>(events: T[], filter: EventFilter | undefined): T[] {
  const kept = events.filter(
    (e) =>
      typeAllowed(filter, e['type'] as string) &&
      senderAllowed(filter, e['sender'] as string | undefined),
  );
  return filter?.limit !== undefined ? kept.slice(0, filter.limit) : kept;
}

/** State events through the state filter (types, senders, limit). */
function filterEvents(list: StoredEvent[], filter: RoomEventFilter): StoredEvent[] {
  const kept = list.filter(
    (s) => typeAllowed(filter, s.event.type) && senderAllowed(filter, s.event.sender),
  );
  return filter.limit !== undefined ? kept.slice(0, filter.limit) : kept;
}
