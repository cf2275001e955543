import { Injectable } from '@nestjs/common';

import type { Requester } from '@chat/platform';
import { MatrixError, parseStateMapKey, stateMapKey, type StateMap } from '@chat/protocol';
import { EventStore, type HistoryPosition, type StoredEvent } from '@chat/storage';

import { ClientEventSerializer, type ClientEvent } from './client-event.serializer';
import { formatHistoryToken, parseRoomToken, parseStreamOrderingToken } from './pagination-token';
import { RoomAccessService, type RoomReadAccess } from './room-access.service';
import { parseRoomEventFilter, type RoomReadFilter } from './room-event-filter';
import { RoomStateService } from './room-state.service';

/** Page sizes are clamped rather than refused. */
const MAX_PAGE = 1000;

export interface MessagesQuery {
  from?: string;
  to?: string;
  dir: 'b' | 'f';
  limit?: number;
  filter?: string;
}

function positionOf(stored: StoredEvent): HistoryPosition {
  return { topological: stored.topologicalOrdering, stream: stored.streamOrdering };
}

function clampLimit(limit: number | undefined, fallback: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 0)
    throw MatrixError.invalidParam('limit must be a non-negative integer');
  return Math.min(limit, MAX_PAGE);
}

/**
 * Every read of a room's history and state. Each one first establishes the reader's access
 * (member, former member, or world-readable) and filters what it returns by history visibility.
 */
@Injectable()
export class RoomReadService {
  constructor(
    private readonly events: EventStore,
    private readonly state: RoomStateService,
    private readonly access: RoomAccessService,
    private readonly serializer: ClientEventSerializer,
  ) {}

  async getEvent(requester: Requester, roomId: string, eventId: string): Promise<ClientEvent> {
    const access = await this.readAccessOrNotFound(requester, roomId);
    return this.serializer.serialize(await this.access.visibleEvent(access, eventId));
  }

  /**
   * Endpoints about one event answer 404 for "not there or not yours to read" (the spec), so
   * they do not reveal whether a room the user cannot read exists.
   */
  private async readAccessOrNotFound(
    requester: Requester,
    roomId: string,
  ): Promise<RoomReadAccess> {
    try {
      return await this.access.requireReadAccess(requester.userId, roomId);
    } catch (err) {
      if (err instanceof MatrixError && err.errcode === 'M_FORBIDDEN') {
        throw MatrixError.notFound('Event not found.');
      }
      throw err;
    }
  }

  /** Current state for members; the state when they left for former members. */
  private async readableState(access: RoomReadAccess): Promise<StateMap<string>> {
    return access.departedAt
      ? this.state.stateAfter(access.departedAt)
      : this.state.currentStateIds(access.roomId);
  }

  async getState(requester: Requester, roomId: string): Promise<ClientEvent[]> {
    const access = await this.access.requireReadAccess(requester.userId, roomId);
    const state = await this.state.load(await this.readableState(access));
    return this.serializer.serializeMany([...state.values()]);
  }

  async getStateEvent(
    requester: Requester,
    roomId: string,
    type: string,
    stateKey: string,
    format: string | undefined,
  ): Promise<Record<string, unknown>> {
    const access = await this.access.requireReadAccess(requester.userId, roomId);
    const id = (await this.readableState(access)).get(stateMapKey(type, stateKey));
    const stored = id ? (await this.events.getEvents([id])).get(id) : undefined;
    if (!stored) throw MatrixError.notFound(`Event not found.`);
    const event = await this.serializer.serialize(stored);
    return format === 'event' ? event : (event['content'] as Record<string, unknown>);
  }

  async getMembers(
    requester: Requester,
    roomId: string,
    query: { at?: string; membership?: string; not_membership?: string },
  ): Promise<{ chunk: ClientEvent[] }> {
    const access = await this.access.requireReadAccess(requester.userId, roomId);
    let state = await this.readableState(access);
    if (query.at !== undefined) {
      const at = await this.resolvePosition(roomId, query.at, 'b');
      const [event] = at ? await this.events.getRoomEventsPage(roomId, at, 'b', 1) : [];
      if (event) {
        const [visible] = await this.access.filterVisible(access, [event]);
        if (visible) state = await this.state.stateAfter(event);
      }
    }
    const members = [...state].filter(([key]) => parseStateMapKey(key)[0] === 'm.room.member');
    const loaded = await this.state.load(new Map(members));
    const chunk = [...loaded.values()].filter((s) => {
      const m = s.event.membership;
      if (query.membership !== undefined && m !== query.membership) return false;
      if (query.not_membership !== undefined && m === query.not_membership) return false;
      return true;
    });
    return { chunk: await this.serializer.serializeMany(chunk) };
  }

  async getJoinedMembers(
    requester: Requester,
    roomId: string,
  ): Promise<{ joined: Record<string, { display_name?: string; avatar_url?: string }> }> {
    const access = await this.access.requireReadAccess(requester.userId, roomId);
    if (access.currentMembership !== 'join' && !(await this.access.isWorldReadable(roomId))) {
      throw MatrixError.forbidden(`User ${requester.userId} is not in the room`);
    }
    const state = await this.state.currentState(roomId);
    const joined: Record<string, { display_name?: string; avatar_url?: string }> = {};
    for (const [key, stored] of state) {
      const [type, userId] = parseStateMapKey(key);
      if (type !== 'm.room.member' || stored.event.membership !== 'join') continue;
      const entry: { display_name?: string; avatar_url?: string } = {};
      const { displayname, avatar_url: avatarUrl } = stored.event.content;
      if (typeof displayname === 'string') entry.display_name = displayname;
      if (typeof avatarUrl === 'string') entry.avatar_url = avatarUrl;
      joined[userId] = entry;
    }
    return { joined };
  }

  async joinedRooms(requester: Requester): Promise<{ joined_rooms: string[] }> {
    return { joined_rooms: await this.events.getRoomsForUser(requester.userId, ['join']) };
  }

  /** Converts a client token into the exclusive starting point of a walk in direction `dir`. */
  private async resolvePosition(
    roomId: string,
    token: string,
    dir: 'b' | 'f',
  ): Promise<HistoryPosition | null> {
    const parsed = parseRoomToken(token);
    if (parsed.kind === 'history') return parsed.position;
    const at = await this.events.getRoomPositionAtStream(roomId, parsed.stream);
    if (!at) return dir === 'b' ? null : { topological: 0, stream: 0 };
    return dir === 'b' ? { topological: at.topological, stream: at.stream + 1 } : at;
  }

  async getMessages(
    requester: Requester,
    roomId: string,
    query: MessagesQuery,
  ): Promise<{ start: string; end?: string; chunk: ClientEvent[]; state?: ClientEvent[] }> {
    const access = await this.access.requireReadAccess(requester.userId, roomId);
    const filter = parseRoomEventFilter(query.filter);
    const limit = clampLimit(query.limit ?? filter.limit, 10);
    const { dir } = query;
    let from: HistoryPosition | null;
    if (query.from !== undefined) {
      from = await this.resolvePosition(roomId, query.from, dir);
    } else if (dir === 'b') {
      const max = await this.events.getRoomMaxPosition(roomId);
      from = max ? { topological: max.topological, stream: max.stream + 1 } : null;
    } else {
      from = { topological: 0, stream: 0 };
    }
    const start = query.from ?? (from ? formatHistoryToken(from) : 't0-0');
    if (!from || limit === 0) return { start, chunk: [] };
    let to = query.to !== undefined ? await this.resolvePosition(roomId, query.to, dir) : undefined;
    if (access.departedAt) {
      // A former member reads up to their departure, never past it.
      const departed = positionOf(access.departedAt);
      if (dir === 'b' && compare(from, departed) > 0)
        from = { ...departed, stream: departed.stream + 1 };
      if (dir === 'f' && (!to || compare(to, departed) > 0)) to = departed;
    }
    const page = await this.events.getRoomEventsPage(roomId, from, dir, limit, {
      to: to ?? undefined,
      filter,
    });
    const visible = await this.access.filterVisible(access, page);
    const result: { start: string; end?: string; chunk: ClientEvent[]; state?: ClientEvent[] } = {
      start,
      chunk: await this.serializer.serializeMany(visible),
    };
    if (page.length === limit) result.end = formatHistoryToken(positionOf(page[page.length - 1]));
    if (filter.lazyLoadMembers) result.state = await this.membersFor(access, visible);
    return result;
  }

  /** Member events of the senders of `list`, for lazy-loading clients. */
  private async membersFor(
    access: RoomReadAccess,
    list: readonly StoredEvent[],
  ): Promise<ClientEvent[]> {
    const state = await this.readableState(access);
    const ids = new Map<string, string>();
    for (const s of list) {
      const key = stateMapKey('m.room.member', s.event.sender);
      const id = state.get(key);
      if (id) ids.set(key, id);
    }
    return this.serializer.serializeMany([...(await this.state.load(ids)).values()]);
  }

  async getContext(
    requester: Requester,
    roomId: string,
    eventId: string,
    query: { limit?: number; filter?: string },
  ): Promise<Record<string, unknown>> {
    const access = await this.access.requireReadAccess(requester.userId, roomId);
    const target = await this.access.visibleEvent(access, eventId);
    const filter: RoomReadFilter = parseRoomEventFilter(query.filter);
    const limit = clampLimit(query.limit, 10);
    const beforeCount = Math.floor(limit / 2);
    const position = positionOf(target);
    const departed = access.departedAt ? positionOf(access.departedAt) : undefined;
    const [before, after] = await Promise.all([
      this.events.getRoomEventsPage(roomId, position, 'b', beforeCount, { filter }),
      this.events.getRoomEventsPage(roomId, position, 'f', limit - beforeCount, {
        filter,
        to: departed,
      }),
    ]);
    const [visibleBefore, visibleAfter] = await Promise.all([
      this.access.filterVisible(access, before),
      this.access.filterVisible(access, after),
    ]);
    const stateIds = await this.state.stateAfter(after.length ? after[after.length - 1] : target);
    let stateEvents = [...(await this.state.load(stateIds)).values()];
    if (filter.lazyLoadMembers) {
      const senders = new Set(
        [target, ...visibleBefore, ...visibleAfter].map((s) => s.event.sender),
      );
      stateEvents = stateEvents.filter(
        (s) => s.event.type !== 'm.room.member' || senders.has(s.event.stateKey ?? ''),
      );
    }
    return {
      start: formatHistoryToken(positionOf(before.length ? before[before.length - 1] : target)),
      end: formatHistoryToken(positionOf(after.length ? after[after.length - 1] : target)),
      events_before: await this.serializer.serializeMany(visibleBefore),
      event: await this.serializer.serialize(target),
      events_after: await this.serializer.serializeMany(visibleAfter),
      state: await this.serializer.serializeMany(stateEvents),
    };
  }

  async getRelations(
    requester: Requester,
    roomId: string,
    eventId: string,
    query: {
      relType?: string;
      eventType?: string;
      from?: string;
      to?: string;
      dir?: 'b' | 'f';
      limit?: number;
    },
  ): Promise<{ chunk: ClientEvent[]; next_batch?: string }> {
    const access = await this.readAccessOrNotFound(requester, roomId);
    await this.access.visibleEvent(access, eventId);
    const limit = clampLimit(query.limit, 5) || 5;
    const page = await this.events.getRelations(roomId, eventId, {
      relType: query.relType,
      eventType: query.eventType,
      dir: query.dir ?? 'b',
      from: parseStreamOrderingToken(query.from, 'from'),
      to: parseStreamOrderingToken(query.to, 'to'),
      limit,
    });
    const visible = await this.access.filterVisible(access, page);
    const result: { chunk: ClientEvent[]; next_batch?: string } = {
      chunk: await this.serializer.serializeMany(visible),
    };
    if (page.length === limit) result.next_batch = String(page[page.length - 1].streamOrdering);
    return result;
  }

  async getThreads(
    requester: Requester,
    roomId: string,
    query: { include?: string; from?: string; limit?: number },
  ): Promise<{ chunk: ClientEvent[]; next_batch?: string }> {
    const access = await this.access.requireReadAccess(requester.userId, roomId);
    if (
      query.include !== undefined &&
      query.include !== 'all' &&
      query.include !== 'participated'
    ) {
      throw MatrixError.invalidParam('include must be "all" or "participated"');
    }
    const limit = clampLimit(query.limit, 5) || 5;
    const before = parseStreamOrderingToken(query.from, 'from');
    const roots = await this.events.getThreadRoots(roomId, { before, limit });
    const chunk: StoredEvent[] = [];
    const summaries = new Map<string, Record<string, unknown>>();
    for (const { root } of roots) {
      const replies = await this.events.getRelations(roomId, root.event.eventId, {
        relType: 'm.thread',
        dir: 'b',
        limit: MAX_PAGE,
      });
      const visibleReplies = await this.access.filterVisible(access, replies);
      const participated =
        root.event.sender === requester.userId ||
        visibleReplies.some((r) => r.event.sender === requester.userId);
      if (query.include === 'participated' && !participated) continue;
      const [visibleRoot] = await this.access.filterVisible(access, [root]);
      if (!visibleRoot || visibleReplies.length === 0) continue;
      chunk.push(visibleRoot);
      summaries.set(root.event.eventId, {
        latest_event: await this.serializer.serialize(visibleReplies[0]),
        count: visibleReplies.length,
        current_user_participated: participated,
      });
    }
    const serialized = await this.serializer.serializeMany(chunk);
    for (const event of serialized) {
      const unsigned = event['unsigned'] as Record<string, unknown>;
      unsigned['m.relations'] = { 'm.thread': summaries.get(event['event_id'] as string) };
    }
    const result: { chunk: ClientEvent[]; next_batch?: string } = { chunk: serialized };
    if (roots.length === limit)
      result.next_batch = String(roots[roots.length - 1].latestStreamOrdering);
    return result;
  }

  async timestampToEvent(
    requester: Requester,
    roomId: string,
    ts: number,
    dir: 'b' | 'f',
  ): Promise<{ event_id: string; origin_server_ts: number }> {
    const access = await this.access.requireReadAccess(requester.userId, roomId);
    const found = await this.events.getEventNearTimestamp(roomId, ts, dir);
    const [visible] = found ? await this.access.filterVisible(access, [found]) : [];
    if (!visible) throw MatrixError.notFound(`Unable to find event from ${ts} in direction ${dir}`);
    return { event_id: visible.event.eventId, origin_server_ts: visible.event.originServerTs };
  }

  async roomInitialSync(requester: Requester, roomId: string): Promise<Record<string, unknown>> {
    const access = await this.access.requireReadAccess(requester.userId, roomId);
    const messages = await this.getMessages(requester, roomId, { dir: 'b', limit: 20 });
    const state = await this.getState(requester, roomId);
    const visibility = (await this.events.getRoom(roomId))?.isPublic ? 'public' : 'private';
    return {
      room_id: roomId,
      membership: access.currentMembership ?? undefined,
      messages: {
        chunk: [...messages.chunk].reverse(),
        start: messages.end ?? messages.start,
        end: messages.start,
      },
      state,
      visibility,
      presence: [],
      account_data: [],
    };
  }
}

function compare(a: HistoryPosition, b: HistoryPosition): number {
  return a.topological - b.topological || a.stream - b.stream;
}
