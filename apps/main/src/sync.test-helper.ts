import { StreamToken } from '@chat/streams';

import { V3 } from './accounts.test-helper';
import { roomPath } from './rooms.test-helper';
import type { TestServer } from './test-server.test-helper';

/** A small seeded PRNG (mulberry32): a failing run replays from its seed. */
export class Rng {
  constructor(private state: number) {}

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)];
  }
}

export interface ClientEvent {
  event_id: string;
  type: string;
  sender: string;
  state_key?: string;
  content: Record<string, unknown>;
  origin_server_ts: number;
}

export interface StrippedEvent {
  type: string;
  state_key: string;
  sender: string;
  content: Record<string, unknown>;
}

interface EphemeralEvent {
  type: string;
  content: Record<string, unknown>;
}

export interface SyncRoom {
  state?: { events?: ClientEvent[] };
  timeline?: { events?: ClientEvent[]; limited?: boolean; prev_batch?: string };
  ephemeral?: { events?: EphemeralEvent[] };
}

export interface SyncBody {
  next_batch: string;
  rooms?: {
    join?: Record<string, SyncRoom>;
    leave?: Record<string, SyncRoom>;
    invite?: Record<string, { invite_state?: { events?: StrippedEvent[] } }>;
  };
  [key: string]: unknown;
}

export type Section = 'join' | 'leave' | 'invite';

/** One `timeline` of one sync response, in the order received. */
export interface TimelineSegment {
  section: 'join' | 'leave';
  events: ClientEvent[];
  limited: boolean;
  prevBatch?: string;
}

/** What a client knows of one room, built only from its sync responses. */
export interface RoomView {
  section: Section;
  everJoined: boolean;
  state: Map<string, ClientEvent>;
  segments: TimelineSegment[];
  inviteState: StrippedEvent[];
  typing: string[];
  /** `m.read` receipts: user → event id. */
  receipts: Map<string, string>;
}

/** The client's knowledge right after one sync, kept to replay old tokens against. */
export interface SyncPoint {
  token: string;
  /** The scenario clock when the response was applied. */
  at: number;
  rooms: Map<string, { section: Section; state: Map<string, ClientEvent>; lastEventId?: string }>;
}

export const stateKeyOf = (type: string, stateKey: string): string =>
  JSON.stringify([type, stateKey]);
const keyOf = (event: ClientEvent): string => stateKeyOf(event.type, event.state_key ?? '');
export const isMemberKey = (key: string): boolean => key.startsWith('["m.room.member",');

/** Thrown for a broken model invariant; the details say what was seen and what was expected. */
export function fail(what: string, details: unknown): never {
  throw new Error(`${what}\n${JSON.stringify(details, null, 2)}`);
}

/**
 * One `/sync` client: a device with a fixed filter that applies each response as the spec tells
 * clients to (state first, then the timeline's state events) and checks what can be checked
 * per response.
 */
export class SyncClient {
  since?: string;
  readonly rooms = new Map<string, RoomView>();
  /** Every event id a sync timeline delivered (not back-paginated ones). */
  readonly delivered = new Set<string>();
  readonly points: SyncPoint[] = [];

  constructor(
    readonly name: string,
    readonly userId: string,
    readonly token: string,
    /** The `filter` query value: a filter id or inline JSON. */
    readonly filter: string,
    readonly limit: number,
    readonly lazyMembers: boolean,
  ) {}

  describe(): string {
    return `${this.name} (${this.userId}, limit ${this.limit}${this.lazyMembers ? ', lazy members' : ''}, filter ${this.filter})`;
  }

  syncPath(since: string | undefined, timeout: number): string {
    // Presence is left alone so that one client's sync does not wake another's long poll.
    const query = new URLSearchParams({
      filter: this.filter,
      timeout: String(timeout),
      set_presence: 'offline',
    });
    if (since !== undefined) query.set('since', since);
    return `${V3}/sync?${query}`;
  }

  apply(body: SyncBody, at: number): void {
    const rooms = body.rooms ?? {};
    // Leaves first: a room left and re-entered between two syncs ends in its newer section.
    for (const [roomId, room] of Object.entries(rooms.leave ?? {}))
      this.applyRoom(roomId, 'leave', room);
    for (const [roomId, room] of Object.entries(rooms.join ?? {}))
      this.applyRoom(roomId, 'join', room);
    for (const [roomId, room] of Object.entries(rooms.invite ?? {})) {
      const view = this.view(roomId, 'invite');
      view.section = 'invite';
      view.inviteState = room.invite_state?.events ?? [];
    }
    this.since = body.next_batch;
    this.points.push({
      token: body.next_batch,
      at,
      rooms: new Map(
        [...this.rooms].map(([roomId, view]) => [
          roomId,
          {
            section: view.section,
            state: new Map(view.state),
            lastEventId: view.segments.at(-1)?.events.at(-1)?.event_id,
          },
        ]),
      ),
    });
  }

  private view(roomId: string, section: Section): RoomView {
    let view = this.rooms.get(roomId);
    if (!view) {
      view = {
        section,
        everJoined: false,
        state: new Map(),
        segments: [],
        inviteState: [],
        typing: [],
        receipts: new Map(),
      };
      this.rooms.set(roomId, view);
    }
    return view;
  }

  private applyRoom(roomId: string, section: 'join' | 'leave', room: SyncRoom): void {
    const view = this.view(roomId, section);
    view.section = section;
    view.everJoined ||= section === 'join';
    for (const event of room.state?.events ?? []) view.state.set(keyOf(event), event);
    const events = room.timeline?.events ?? [];
    const limited = room.timeline?.limited ?? false;
    const context = {
      client: this.describe(),
      roomId,
      section,
      timeline: events.map(describeEvent),
    };
    if (events.length > this.limit) fail('timeline longer than the filter limit', context);
    // A gap with nothing after it would leave the client no point to paginate back from.
    if (limited && events.length === 0) fail('limited timeline without events', context);
    for (const event of events) {
      if (event.state_key !== undefined) view.state.set(keyOf(event), event);
      this.delivered.add(event.event_id);
    }
    if (events.length > 0) {
      view.segments.push({ section, events, limited, prevBatch: room.timeline?.prev_batch });
    }
    if (this.lazyMembers) {
      const missing = events
        .map((e) => e.sender)
        .filter((sender) => !view.state.has(stateKeyOf('m.room.member', sender)));
      if (missing.length > 0)
        fail('lazy-loaded members miss timeline senders', { ...context, missing });
    }
    for (const event of room.ephemeral?.events ?? []) {
      if (event.type === 'm.typing') view.typing = event.content['user_ids'] as string[];
      if (event.type !== 'm.receipt') continue;
      for (const [eventId, byType] of Object.entries(event.content)) {
        const read = (byType as Record<string, Record<string, unknown> | undefined>)['m.read'];
        for (const userId of Object.keys(read ?? {})) view.receipts.set(userId, eventId);
      }
    }
  }
}

export const describeEvent = (e: ClientEvent): string =>
  `${e.event_id} ${e.type}${e.state_key !== undefined ? `[${e.state_key}]` : ''} by ${e.sender}`;

/** The fields that must be the same wherever an event is served. */
export const stableFields = (e: ClientEvent) => ({
  event_id: e.event_id,
  type: e.type,
  sender: e.sender,
  state_key: e.state_key,
  content: e.content,
  origin_server_ts: e.origin_server_ts,
});

/** A sync token is never before the one it follows, by the server's own stream order. */
export async function expectTokenForward(before: string, after: string, context: unknown) {
  // Instance ids only name writers; any consistent naming compares the same.
  const parse = (text: string) => StreamToken.parse(text, (id) => `writer-${id}`);
  const [a, b] = await Promise.all([parse(before), parse(after)]);
  if (!a.isBeforeOrEq(b)) fail('next_batch went backwards', { before, after, context });
}

const PAGE_LIMIT = 9;
const MAX_PAGES = 200;

async function messagesPage(
  server: TestServer,
  token: string,
  roomId: string,
  from: string | undefined,
): Promise<{ chunk: ClientEvent[]; end?: string }> {
  const query = new URLSearchParams({ dir: 'b', limit: String(PAGE_LIMIT) });
  if (from !== undefined) query.set('from', from);
  const path = `${roomPath(roomId, 'messages')}?${query}`;
  const res = await server.request('GET', path, { token });
  if (res.status !== 200) fail('/messages failed', { path, status: res.status, body: res.body });
  return { chunk: res.body['chunk'] as ClientEvent[], end: res.body['end'] as string | undefined };
}

/** The whole room as `/messages` shows it to `token`, paged backwards from the end; oldest first. */
export async function roomHistory(
  server: TestServer,
  token: string,
  roomId: string,
): Promise<ClientEvent[]> {
  const events: ClientEvent[] = [];
  let from: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { chunk, end } = await messagesPage(server, token, roomId, from);
    events.push(...chunk);
    if (end === undefined) return events.reverse();
    from = end;
  }
  return fail('/messages did not reach the start of the room', { roomId, pages: MAX_PAGES });
}

/**
 * The events `/messages` gives backwards from a segment's `prev_batch` until it reaches the
 * previous segment's last event (exclusive); oldest first.
 */
export async function fillGap(
  server: TestServer,
  token: string,
  roomId: string,
  prevBatch: string,
  until: string,
  context: object,
): Promise<ClientEvent[]> {
  const events: ClientEvent[] = [];
  let from: string | undefined = prevBatch;
  for (let page = 0; page < MAX_PAGES && from !== undefined; page++) {
    const { chunk, end } = await messagesPage(server, token, roomId, from);
    for (const event of chunk) {
      if (event.event_id === until) return events.reverse();
      events.push(event);
    }
    from = end;
  }
  return fail('paginating back from prev_batch never reached the previous timeline', {
    ...context,
    roomId,
    prevBatch,
    until,
    paginated: events.map(describeEvent),
  });
}
