import { Injectable } from '@nestjs/common';

import type { Requester } from '@chat/platform';
import { parseStateMapKey, stateMapKey, type StateMap } from '@chat/protocol';
import { EventStore, PushActionStore, ReceiptStore, type StoredEvent } from '@chat/storage';
import { isRowInRange, StreamToken } from '@chat/streams';

import { ClientEventSerializer, type ClientEvent } from '../rooms/client-event.serializer';
import { RoomAccessService } from '../rooms/room-access.service';
import { RoomStateService } from '../rooms/room-state.service';
import { TypingService } from '../rooms/typing.service';
import {
  filterEvents,
  filterTyped,
  toPageFilter,
  type Filter,
  type RoomEventFilter,
} from './filter';
import { LazyMemberCache } from './lazy-members';
import { StreamNotifier } from './stream-notifier';
import { formatSyncEvent } from './sync-event-format';
import { SyncTokens } from './sync-tokens';
import {
  EARLIEST,
  sameToken,
  type Json,
  type LazySent,
  type MemberChange,
  type RoomPlan,
  type SyncRequest,
} from './sync-types';

/** Synapse's default timeline limit, and our cap on what a filter may ask for. */
const DEFAULT_TIMELINE_LIMIT = 10;
const MAX_TIMELINE_LIMIT = 1000;
const MAX_HEROES = 5;
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

/**
 * The room sections of a `/sync` response: for each planned room, its timeline, the state before
 * it, ephemeral events, account data, unread counts and summary; and invitees' stripped state.
 */
@Injectable()
export class RoomSyncService {
  /** Member events each device already has (lazy loading). */
  readonly lazyMembers = new LazyMemberCache();

  constructor(
    private readonly events: EventStore,
    private readonly receipts: ReceiptStore,
    private readonly state: RoomStateService,
    private readonly access: RoomAccessService,
    private readonly serializer: ClientEventSerializer,
    private readonly typing: TypingService,
    private readonly pushActions: PushActionStore,
    private readonly tokens: SyncTokens,
    private readonly notifier: StreamNotifier,
  ) {}

  async receiptsBetween(roomIds: readonly string[], since: StreamToken | null, now: StreamToken) {
    const low = since?.get('receipt');
    const high = now.get('receipt');
    const rows = await this.receipts.getReceiptsInRange(roomIds, low?.min ?? 0, high.maxPos());
    return low ? rows.filter((r) => isRowInRange(low, high, r.instanceName, r.streamId)) : rows;
  }
  async syncRooms(
    request: SyncRequest,
    now: StreamToken,
    plans: readonly RoomPlan[],
    accountData: ReadonlyArray<{ roomId: string | null; type: string; content: Json }>,
    joinedAt: ReadonlyMap<string, number>,
    seen: { lazySent: LazySent; memberChanges: MemberChange[] },
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
    receipts: Awaited<ReturnType<RoomSyncService['receiptsBetween']>>,
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
  async strippedState(membershipEventId: string): Promise<Json[]> {
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
}
