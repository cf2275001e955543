import { V3 } from './accounts.test-helper';
import { createRoom, join, invite, roomPath, sendText, type TestUser } from './rooms.test-helper';
import {
  Rng,
  SyncClient,
  describeEvent,
  expectTokenForward,
  fail,
  fillGap,
  isMemberKey,
  roomHistory,
  stableFields,
  stateKeyOf,
  type ClientEvent,
  type RoomView,
  type SyncBody,
  type SyncRoom,
} from './sync.test-helper';
import { ENGINES, TestServer, type ApiResponse } from './test-server.test-helper';

const STEPS = 150;
/**
 * Long polls wait far longer than a correct server needs: it answers as soon as the action lands,
 * so the wait only turns a missed wake-up into a failure instead of a race with the clock.
 */
const LONG_POLL_MS = 10_000;
const TYPING_MS = 120_000;
const CUSTOM_STATE = 'org.example.model';
/** Response keys that carry no news, so a long poll answering with only these was not woken. */
const QUIET_KEYS = new Set([
  'next_batch',
  'device_one_time_keys_count',
  'device_unused_fallback_key_types',
  'org.matrix.msc2732.device_unused_fallback_key_types',
]);

type Membership = 'join' | 'invite' | 'leave';

interface ModelRoom {
  id: string;
  name: string;
  isPublic: boolean;
  members: Map<string, Membership>;
  /** The scenario clock at each of a user's membership changes. */
  changes: Map<string, number[]>;
  typing: Set<string>;
  typingChangedAt: number;
  /** The latest `m.read` receipt per user and when it was sent. */
  receipts: Map<string, { eventId: string; at: number }>;
  lastMessage?: string;
}

/** One scripted step: who must see it, and a check that a witness's sync response shows it. */
interface Action {
  label: string;
  witnesses: SyncClient[];
  run(): Promise<(body: SyncBody) => boolean>;
  /** Clients that sync right after, so a leave is never folded with a later re-join. */
  followUp?: SyncClient[];
}

const sorted = (ids: Iterable<string>): string[] => [...ids].sort();

function timelineOf(body: SyncBody, roomId: string): ClientEvent[] {
  const rooms = body.rooms ?? {};
  return [
    ...(rooms.leave?.[roomId]?.timeline?.events ?? []),
    ...(rooms.join?.[roomId]?.timeline?.events ?? []),
  ];
}

function isMember(
  event: { type: string; state_key?: string; content: Record<string, unknown> },
  userId: string,
  membership: Membership,
): boolean {
  return (
    event.type === 'm.room.member' &&
    event.state_key === userId &&
    event.content['membership'] === membership
  );
}

function ephemeralOf(body: SyncBody, roomId: string, type: string) {
  return body.rooms?.join?.[roomId]?.ephemeral?.events?.find((e) => e.type === type)?.content;
}

/** True when some list in the response (outside the quiet keys) has an entry. */
function hasNews(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(hasNews);
}

/**
 * A random script of room actions by several users, with several `/sync` clients per user
 * following along, then a comparison of everything each client rebuilt with what the server
 * serves through `/rooms/{id}/state` and `/messages`.
 */
class Scenario {
  readonly trace: string[] = [];
  private clock = 0;
  private readonly users: TestUser[] = [];
  private readonly rooms: ModelRoom[] = [];
  private readonly clients: SyncClient[] = [];
  /** `/messages` and `/state` answers and rebuilt timelines, per user or client and room. */
  private readonly histories = new Map<string, ClientEvent[]>();
  private readonly states = new Map<string, Map<string, ClientEvent>>();
  private readonly observed = new Map<string, ClientEvent[]>();

  constructor(
    private readonly server: TestServer,
    private readonly rng: Rng,
  ) {}

  async run(): Promise<void> {
    await this.setUp();
    for (let i = 0; i < STEPS; i++) await this.step();
    this.trace.push('final sync of every client, then checks');
    for (const client of this.clients) await this.sync(client);
    for (const client of this.clients) await this.checkRooms(client);
    for (const client of this.clients) await this.checkOldTokens(client);
  }

  private async setUp(): Promise<void> {
    const { rng, server } = this;
    const localparts = Array.from({ length: rng.int(4, 5) }, (_, i) => `model${i}`);
    for (const localpart of localparts) this.users.push(await server.register(localpart));
    const roomCount = rng.int(2, 3);
    for (let i = 0; i < roomCount; i++) {
      const creator = this.users[i];
      const isPublic = i !== 1;
      const id = await createRoom(server, creator, {
        preset: isPublic ? 'public_chat' : 'private_chat',
        name: `room ${i}`,
        // Everyone may invite and change name, topic and custom state; power levels stay the
        // creator's.
        power_level_content_override: {
          invite: 0,
          state_default: 0,
          events: { 'm.room.power_levels': 100 },
        },
      });
      this.rooms.push({
        id,
        name: `room ${i}`,
        isPublic,
        members: new Map([[creator.userId, 'join']]),
        changes: new Map([[creator.userId, [this.clock]]]),
        typing: new Set(),
        typingChangedAt: -1,
        receipts: new Map(),
      });
    }
    for (const [i, user] of this.users.entries()) {
      await this.addClient(`client ${i}`, user.userId, user.token);
    }
    for (let extra = rng.int(1, 2); extra > 0; extra--) {
      const i = rng.int(0, this.users.length - 1);
      const { token } = await server.login(localparts[i]);
      await this.addClient(`client ${i}b`, this.users[i].userId, token);
    }
  }

  private async addClient(name: string, userId: string, token: string): Promise<void> {
    const limit = this.rng.int(1, 15);
    const lazyMembers = this.rng.chance(0.4);
    const filter = {
      room: {
        timeline: { limit },
        ...(lazyMembers && { state: { lazy_load_members: true } }),
      },
    };
    let param = JSON.stringify(filter);
    if (this.rng.chance(0.5)) {
      const res = await this.server.request(
        'POST',
        `${V3}/user/${encodeURIComponent(userId)}/filter`,
        { token, body: filter },
      );
      if (res.status !== 200) fail('filter upload failed', res.body);
      param = res.body['filter_id'] as string;
    }
    this.clients.push(new SyncClient(name, userId, token, param, limit, lazyMembers));
  }

  private async step(): Promise<void> {
    // The action gets a clock value of its own; syncs answered after it get later ones.
    this.clock++;
    const action = this.chooseAction();
    this.trace.push(`t${this.clock} ${action.label}`);
    const poller =
      action.witnesses.length > 0 && this.rng.chance(0.15)
        ? this.rng.pick(action.witnesses)
        : undefined;
    if (poller) await this.longPollAround(poller, action);
    else await action.run();
    for (const client of action.followUp ?? []) {
      if (client.since !== undefined) await this.sync(client);
    }
    if (this.rng.chance(0.4)) await this.sync(this.rng.pick(this.clients));
  }

  private async sync(client: SyncClient): Promise<SyncBody> {
    const since = client.since;
    const path = client.syncPath(since, 0);
    this.trace.push(
      `t${this.clock} ${client.name} syncs ${since ? `since ${since}` : '(initial)'}`,
    );
    return this.accept(client, since, path, await this.request(client, path));
  }

  private request(client: SyncClient, path: string): Promise<ApiResponse> {
    return this.server.request('GET', path, { token: client.token });
  }

  private async accept(
    client: SyncClient,
    since: string | undefined,
    path: string,
    res: ApiResponse,
  ): Promise<SyncBody> {
    if (res.status !== 200) {
      fail('sync failed', { client: client.describe(), request: path, response: res.body });
    }
    const body = res.body as unknown as SyncBody;
    if (since !== undefined) {
      await expectTokenForward(since, body.next_batch, { client: client.describe(), path });
    }
    client.apply(body, this.clock++);
    return body;
  }

  /**
   * Starts a long poll for an up-to-date client, then acts: the poll must answer with the action.
   * An answer with other news is allowed (the spec lets the server return on anything), and the
   * client polls again; an answer with no news means the action did not wake it.
   */
  private async longPollAround(client: SyncClient, action: Action): Promise<void> {
    await this.sync(client);
    let since = client.since;
    let path = client.syncPath(since, LONG_POLL_MS);
    this.trace.push(`t${this.clock} ${client.name} long-polls since ${since}`);
    const pending = this.request(client, path);
    // Its failure is reported when awaited below, not as an unhandled rejection meanwhile.
    pending.catch(() => undefined);
    const seen = await action.run();
    let res = await pending;
    for (let round = 1; ; round++) {
      const body = await this.accept(client, since, path, res);
      if (seen(body)) return;
      const news = Object.entries(body).some(
        ([key, value]) => !QUIET_KEYS.has(key) && hasNews(value),
      );
      if (!news || round === 4) {
        fail('a long poll started before the action answered without it', {
          client: client.describe(),
          action: action.label,
          request: path,
          response: body,
        });
      }
      since = client.since;
      path = client.syncPath(since, LONG_POLL_MS);
      res = await this.request(client, path);
    }
  }

  // --- the script ---------------------------------------------------------------------------

  private chooseAction(): Action {
    const builders: Array<[number, () => Action | undefined]> = [
      [5, () => this.send()],
      [2, () => this.putState()],
      [2, () => this.join()],
      [1, () => this.leave()],
      [1.5, () => this.invite()],
      [1, () => this.setDisplayname()],
      [1.5, () => this.typing()],
      [1.5, () => this.receipt()],
    ];
    const total = builders.reduce((sum, [weight]) => sum + weight, 0);
    for (;;) {
      let r = this.rng.next() * total;
      const [, build] = builders.find(([weight]) => (r -= weight) < 0) ?? builders[0];
      const action = build();
      if (action) return action;
    }
  }

  private name(userId: string): string {
    return userId.slice(1, userId.indexOf(':'));
  }

  private joined(room: ModelRoom): TestUser[] {
    return this.users.filter((u) => room.members.get(u.userId) === 'join');
  }

  private clientsOf(users: TestUser[]): SyncClient[] {
    const ids = new Set(users.map((u) => u.userId));
    return this.clients.filter((c) => ids.has(c.userId));
  }

  private setMembership(room: ModelRoom, userId: string, membership: Membership): void {
    room.members.set(userId, membership);
    room.changes.set(userId, [...(room.changes.get(userId) ?? []), this.clock]);
  }

  /** A joined user of a random room, or nothing when that room is empty. */
  private pickJoined(): { room: ModelRoom; user: TestUser; members: TestUser[] } | undefined {
    const room = this.rng.pick(this.rooms);
    const members = this.joined(room);
    if (members.length === 0) return undefined;
    return { room, user: this.rng.pick(members), members };
  }

  private sawEvent(roomId: string, eventId: string) {
    return (body: SyncBody) => timelineOf(body, roomId).some((e) => e.event_id === eventId);
  }

  private send(): Action | undefined {
    const picked = this.pickJoined();
    if (!picked) return undefined;
    const { room, user, members } = picked;
    return {
      label: `${this.name(user.userId)} sends to ${room.name}`,
      witnesses: this.clientsOf(members),
      run: async () => {
        const eventId = await sendText(this.server, user, room.id, `message at t${this.clock}`);
        room.lastMessage = eventId;
        return this.sawEvent(room.id, eventId);
      },
    };
  }

  private putState(): Action | undefined {
    const picked = this.pickJoined();
    if (!picked) return undefined;
    const { room, user, members } = picked;
    const [type, stateKey, content] = this.rng.pick<[string, string, Record<string, unknown>]>([
      ['m.room.topic', '', { topic: `topic at t${this.clock}` }],
      ['m.room.name', '', { name: `name at t${this.clock}` }],
      [CUSTOM_STATE, this.rng.pick(['', 'a', 'b', 'c']), { value: this.clock }],
    ]);
    return {
      label: `${this.name(user.userId)} sets ${type}[${stateKey}] in ${room.name}`,
      witnesses: this.clientsOf(members),
      run: async () => {
        const path = roomPath(room.id, `state/${type}/${encodeURIComponent(stateKey)}`);
        const res = await this.server.request('PUT', path, { token: user.token, body: content });
        if (res.status !== 200) fail('state change failed', { path, response: res.body });
        return this.sawEvent(room.id, res.body['event_id'] as string);
      },
    };
  }

  private join(): Action | undefined {
    const room = this.rng.pick(this.rooms);
    const candidates = this.users.filter((u) => {
      const membership = room.members.get(u.userId);
      return membership !== 'join' && (room.isPublic || membership === 'invite');
    });
    if (candidates.length === 0) return undefined;
    const user = this.rng.pick(candidates);
    return {
      label: `${this.name(user.userId)} joins ${room.name}`,
      witnesses: this.clientsOf([...this.joined(room), user]),
      run: async () => {
        const res = await join(this.server, user, room.id);
        if (res.status !== 200) fail('join failed', { room: room.name, response: res.body });
        this.setMembership(room, user.userId, 'join');
        return (body) => timelineOf(body, room.id).some((e) => isMember(e, user.userId, 'join'));
      },
    };
  }

  private leave(): Action | undefined {
    const room = this.rng.pick(this.rooms);
    const members = this.joined(room);
    // Someone stays, so the room can still be joined or invited to.
    if (members.length < 2) return undefined;
    const user = this.rng.pick(members);
    return {
      label: `${this.name(user.userId)} leaves ${room.name}`,
      witnesses: this.clientsOf(members),
      followUp: this.clientsOf([user]),
      run: async () => {
        const res = await this.server.request('POST', roomPath(room.id, 'leave'), {
          token: user.token,
          body: {},
        });
        if (res.status !== 200) fail('leave failed', { room: room.name, response: res.body });
        this.setMembership(room, user.userId, 'leave');
        if (room.typing.delete(user.userId)) room.typingChangedAt = this.clock;
        return (body) => timelineOf(body, room.id).some((e) => isMember(e, user.userId, 'leave'));
      },
    };
  }

  private invite(): Action | undefined {
    const picked = this.pickJoined();
    if (!picked) return undefined;
    const { room, user, members } = picked;
    const targets = this.users.filter((u) => {
      const membership = room.members.get(u.userId);
      return membership === undefined || membership === 'leave';
    });
    if (targets.length === 0) return undefined;
    const target = this.rng.pick(targets);
    return {
      label: `${this.name(user.userId)} invites ${this.name(target.userId)} to ${room.name}`,
      witnesses: this.clientsOf([...members, target]),
      run: async () => {
        const res = await invite(this.server, user, room.id, target.userId);
        if (res.status !== 200) fail('invite failed', { room: room.name, response: res.body });
        this.setMembership(room, target.userId, 'invite');
        return (body) =>
          timelineOf(body, room.id).some((e) => isMember(e, target.userId, 'invite')) ||
          (body.rooms?.invite?.[room.id]?.invite_state?.events ?? []).some((e) =>
            isMember(e, target.userId, 'invite'),
          );
      },
    };
  }

  private setDisplayname(): Action {
    const user = this.rng.pick(this.users);
    const sharing = this.rooms
      .filter((room) => room.members.get(user.userId) === 'join')
      .flatMap((room) => this.joined(room));
    const displayname = `${this.name(user.userId)} at t${this.clock}`;
    return {
      label: `${this.name(user.userId)} is now called "${displayname}"`,
      witnesses: this.clientsOf(sharing),
      run: async () => {
        const path = `${V3}/profile/${encodeURIComponent(user.userId)}/displayname`;
        const res = await this.server.request('PUT', path, {
          token: user.token,
          body: { displayname },
        });
        if (res.status !== 200) fail('displayname change failed', res.body);
        return (body) =>
          Object.keys(body.rooms?.join ?? {}).some((roomId) =>
            timelineOf(body, roomId).some(
              (e) => isMember(e, user.userId, 'join') && e.content['displayname'] === displayname,
            ),
          );
      },
    };
  }

  private typing(): Action | undefined {
    const picked = this.pickJoined();
    if (!picked) return undefined;
    const { room, user, members } = picked;
    const typing = !room.typing.has(user.userId);
    return {
      label: `${this.name(user.userId)} ${typing ? 'starts' : 'stops'} typing in ${room.name}`,
      witnesses: this.clientsOf(members),
      run: async () => {
        const res = await this.server.request(
          'PUT',
          roomPath(room.id, `typing/${encodeURIComponent(user.userId)}`),
          { token: user.token, body: typing ? { typing, timeout: TYPING_MS } : { typing } },
        );
        if (res.status !== 200) fail('typing failed', res.body);
        if (typing) room.typing.add(user.userId);
        else room.typing.delete(user.userId);
        room.typingChangedAt = this.clock;
        const expected = sorted(room.typing);
        return (body) => {
          const content = ephemeralOf(body, room.id, 'm.typing');
          return (
            content !== undefined &&
            sorted(content['user_ids'] as string[]).join() === expected.join()
          );
        };
      },
    };
  }

  private receipt(): Action | undefined {
    const picked = this.pickJoined();
    const eventId = picked?.room.lastMessage;
    if (!picked || !eventId) return undefined;
    const { room, user, members } = picked;
    // Receipts never move back, so one for the event already read changes nothing to wait for.
    const moves = room.receipts.get(user.userId)?.eventId !== eventId;
    return {
      label: `${this.name(user.userId)} reads ${eventId} in ${room.name}`,
      witnesses: moves ? this.clientsOf(members) : [],
      run: async () => {
        const path = roomPath(room.id, `receipt/m.read/${encodeURIComponent(eventId)}`);
        const res = await this.server.request('POST', path, { token: user.token, body: {} });
        if (res.status !== 200) fail('receipt failed', { path, response: res.body });
        if (moves) room.receipts.set(user.userId, { eventId, at: this.clock });
        return (body) => {
          const content = ephemeralOf(body, room.id, 'm.receipt') as
            | Record<string, Record<string, Record<string, unknown> | undefined>>
            | undefined;
          return content?.[eventId]?.['m.read']?.[user.userId] !== undefined;
        };
      },
    };
  }

  // --- checks at the end ----------------------------------------------------------------------

  private async checkRooms(client: SyncClient): Promise<void> {
    for (const room of this.rooms) {
      const membership = room.members.get(client.userId);
      const view = client.rooms.get(room.id);
      const who = { client: client.describe(), room: `${room.name} ${room.id}`, membership };
      if (membership === undefined) {
        if (view)
          fail('a room the user never belonged to is in its sync', { ...who, view: view.section });
      } else if (membership === 'invite') {
        this.checkInvite(client, view, who);
      } else if (membership === 'leave') {
        // A client that first synced after the leave never knew the room, and need not.
        if (view?.everJoined) this.checkLeave(client, view, who);
      } else {
        if (view?.section !== 'join')
          fail('a joined room is not in rooms.join', { ...who, section: view?.section });
        await this.checkJoined(client, room, view, who);
      }
    }
  }

  private checkInvite(client: SyncClient, view: RoomView | undefined, who: object): void {
    if (view?.section !== 'invite')
      fail('an invited room is not in rooms.invite', { ...who, section: view?.section });
    const stripped = view.inviteState;
    if (
      !stripped.some((e) => isMember(e, client.userId, 'invite')) ||
      !stripped.some((e) => e.type === 'm.room.create')
    ) {
      fail('invite_state lacks the invite or the create event', { ...who, invite_state: stripped });
    }
  }

  private checkLeave(client: SyncClient, view: RoomView, who: object): void {
    const last = view.segments.at(-1)?.events.at(-1);
    if (view.section !== 'leave' || !last || !isMember(last, client.userId, 'leave')) {
      fail('a left room does not end in rooms.leave with the leave event', {
        ...who,
        section: view.section,
        lastEvent: last && describeEvent(last),
      });
    }
  }

  private async checkJoined(
    client: SyncClient,
    room: ModelRoom,
    view: RoomView,
    who: object,
  ): Promise<void> {
    const history = await this.history(client.userId, client.token, room.id);
    const current = await this.currentState(client.userId, client.token, room.id);

    // State: everything for full-state clients; lazy-loading ones may hold members back.
    this.expectState(client, view.state, current, who);
    if (client.lazyMembers) {
      if (!view.state.has(stateKeyOf('m.room.member', client.userId))) {
        fail('a lazy-loading client lacks its own member event', who);
      }
      const position = new Map(history.map((e, i) => [e.event_id, i]));
      for (const [key, event] of view.state) {
        const now = current.get(key);
        if (!isMemberKey(key) || !now || now.event_id === event.event_id) continue;
        // Stale only if the change never reached the client and really came later.
        const later =
          (position.get(event.event_id) ?? Infinity) < (position.get(now.event_id) ?? -1);
        if (client.delivered.has(now.event_id) || !later) {
          fail('a lazy-loaded member event is stale', {
            ...who,
            held: describeEvent(event),
            current: describeEvent(now),
            currentWasInTimeline: client.delivered.has(now.event_id),
          });
        }
      }
    }

    // Timeline: the segments plus their back-paginated gaps are the tail of the room's history.
    const observed = await this.observedTimeline(client, room.id, view);
    const start = history.findIndex((e) => e.event_id === observed[0]?.event_id);
    if (start < 0)
      fail('the first timeline event is not in /messages', { ...who, first: observed[0] });
    const expected = history.slice(start).map(describeEvent);
    const rebuilt = observed.map(describeEvent);
    const differs = Math.max(rebuilt.length, expected.length);
    const at = Array.from({ length: differs }, (_, i) => i).find((i) => rebuilt[i] !== expected[i]);
    if (at !== undefined) {
      fail('the rebuilt timeline differs from /messages', {
        ...who,
        firstDifference: at,
        rebuilt: rebuilt.slice(Math.max(0, at - 3), at + 6),
        messages: expected.slice(Math.max(0, at - 3), at + 6),
        segments: view.segments.map((s) => ({
          section: s.section,
          limited: s.limited,
          prevBatch: s.prevBatch,
          from: describeEvent(s.events[0]),
          to: describeEvent(s.events[s.events.length - 1]),
          count: s.events.length,
        })),
      });
    }
    expect(observed.map(stableFields)).toEqual(history.slice(start).map(stableFields));

    // Ephemeral data the client was in the room for.
    const joinedAt = room.changes.get(client.userId)?.at(-1) ?? 0;
    if (room.typingChangedAt > joinedAt) {
      expect({ ...who, typing: sorted(view.typing) }).toEqual({
        ...who,
        typing: sorted(room.typing),
      });
    }
    for (const [userId, receipt] of room.receipts) {
      if (receipt.at <= joinedAt) continue;
      expect({ ...who, receiptOf: userId, eventId: view.receipts.get(userId) }).toEqual({
        ...who,
        receiptOf: userId,
        eventId: receipt.eventId,
      });
    }
  }

  /** Full-state clients must hold exactly the current state; lazy ones all but members. */
  private expectState(
    client: SyncClient,
    held: Map<string, ClientEvent>,
    current: Map<string, ClientEvent>,
    who: object,
  ): void {
    const ids = (state: Map<string, ClientEvent>) =>
      Object.fromEntries(
        [...state]
          .filter(([key]) => !client.lazyMembers || !isMemberKey(key))
          .map(([key, event]) => [key, event.event_id]),
      );
    expect({ ...who, state: ids(held) }).toEqual({ ...who, state: ids(current) });
  }

  private async observedTimeline(
    client: SyncClient,
    roomId: string,
    view: RoomView,
  ): Promise<ClientEvent[]> {
    const key = `${client.name} ${roomId}`;
    const known = this.observed.get(key);
    if (known) return known;
    const events: ClientEvent[] = [];
    for (const [i, segment] of view.segments.entries()) {
      const previous = events.at(-1)?.event_id;
      const context = {
        client: client.describe(),
        roomId,
        segments: view.segments.slice(Math.max(0, i - 2), i + 1).map((s) => ({
          section: s.section,
          limited: s.limited,
          prevBatch: s.prevBatch,
          events: s.events.map(describeEvent),
        })),
      };
      // After a leave the client cannot know what it missed: events of its absence were hidden
      // then and are visible now, and a re-join starts over like an initial sync (as Synapse
      // does), with a limited timeline that may repeat what the client had.
      const reentry = i > 0 && view.segments[i - 1].section === 'leave';
      const overlap = segment.events.findIndex((e) => e.event_id === previous);
      if (previous === undefined || (!segment.limited && !reentry)) {
        events.push(...segment.events);
      } else if (reentry && segment.limited && overlap >= 0) {
        // The re-join re-delivers the room's latest events, now with those of the absence among
        // them: from the first one the client already had, the new delivery replaces its copy
        // (the comparison with /messages below checks the result).
        const known = new Set(events.map((e) => e.event_id));
        const first = segment.events.find((e) => known.has(e.event_id)) as ClientEvent;
        const from = events.findIndex((e) => e.event_id === first.event_id);
        const kept = segment.events.slice(segment.events.indexOf(first));
        const missingBefore = segment.events.slice(0, segment.events.indexOf(first));
        events.splice(from, events.length - from, ...missingBefore, ...kept);
        if (new Set(events.map((e) => e.event_id)).size !== events.length) {
          fail('a re-joined timeline repeats events out of order', context);
        }
      } else {
        if (segment.prevBatch === undefined)
          fail('a timeline with earlier events has no prev_batch', context);
        events.push(
          ...(await fillGap(
            this.server,
            client.token,
            roomId,
            segment.prevBatch,
            previous,
            context,
          )),
          ...segment.events,
        );
      }
    }
    this.observed.set(key, events);
    return events;
  }

  private async history(userId: string, token: string, roomId: string): Promise<ClientEvent[]> {
    const key = `${userId} ${roomId}`;
    const known = this.histories.get(key) ?? (await roomHistory(this.server, token, roomId));
    this.histories.set(key, known);
    return known;
  }

  private async currentState(
    userId: string,
    token: string,
    roomId: string,
  ): Promise<Map<string, ClientEvent>> {
    const key = `${userId} ${roomId}`;
    const known = this.states.get(key);
    if (known) return known;
    const res = await this.server.request('GET', roomPath(roomId, 'state'), { token });
    if (res.status !== 200) fail('/state failed', { roomId, response: res.body });
    const events = res.body as unknown as ClientEvent[];
    const state = new Map(events.map((e) => [stateKeyOf(e.type, e.state_key ?? ''), e]));
    this.states.set(key, state);
    return state;
  }

  /**
   * Re-syncs from two older tokens: for rooms whose membership held since, the answer must be
   * the tail of what the client saw after that token, and applying it to the state the client
   * had then must give the current state.
   */
  private async checkOldTokens(client: SyncClient): Promise<void> {
    const older = client.points.slice(0, -1);
    if (older.length === 0) return;
    for (const point of [this.rng.pick(older), this.rng.pick(older)]) {
      const path = client.syncPath(point.token, 0);
      const res = await this.request(client, path);
      if (res.status !== 200)
        fail('re-sync failed', { client: client.describe(), path, response: res.body });
      const body = res.body as unknown as SyncBody;
      await expectTokenForward(point.token, body.next_batch, { client: client.describe(), path });
      for (const room of this.rooms) {
        const then = point.rooms.get(room.id);
        const changedSince = (room.changes.get(client.userId) ?? []).filter((at) => at > point.at);
        const membership = room.members.get(client.userId);
        const who = { client: client.describe(), room: room.name, since: point.token };
        if (then?.section !== 'join') continue;
        if (membership === 'join' && changedSince.length === 0) {
          await this.checkReplay(client, room, then, body.rooms?.join?.[room.id], who);
        } else if (membership === 'leave' && changedSince.length === 1) {
          const last = body.rooms?.leave?.[room.id]?.timeline?.events?.at(-1);
          if (!last || !isMember(last, client.userId, 'leave')) {
            fail('a re-sync from before a leave does not end with the leave', { ...who, last });
          }
        }
      }
    }
  }

  private async checkReplay(
    client: SyncClient,
    room: ModelRoom,
    then: { state: Map<string, ClientEvent>; lastEventId?: string },
    entry: SyncRoom | undefined,
    who: object,
  ): Promise<void> {
    const observed = await this.observedTimeline(
      client,
      room.id,
      client.rooms.get(room.id) as RoomView,
    );
    const seenUpTo = observed.findIndex((e) => e.event_id === then.lastEventId);
    if (seenUpTo < 0)
      fail('an old sync point is not in the rebuilt timeline', { ...who, then: then.lastEventId });
    const after = observed.slice(seenUpTo + 1);
    const got = entry?.timeline?.events ?? [];
    const limited = entry?.timeline?.limited ?? false;
    const expected = limited ? after.slice(Math.max(0, after.length - got.length)) : after;
    if (after.length > 0 && got.length === 0) {
      fail('a re-sync misses newer events', { ...who, missing: after.map(describeEvent) });
    }
    expect({ ...who, limited, timeline: got.map(describeEvent) }).toEqual({
      ...who,
      limited,
      timeline: expected.map(describeEvent),
    });
    const state = new Map(then.state);
    for (const event of [...(entry?.state?.events ?? []), ...got]) {
      if (event.state_key !== undefined) state.set(stateKeyOf(event.type, event.state_key), event);
    }
    this.expectState(client, state, await this.currentState(client.userId, client.token, room.id), {
      ...who,
      replayed: true,
    });
  }
}

/**
 * Fixed seeds keep CI reproducible (11 and 45 once found real bugs); `SYNC_MODEL_SEED` runs
 * another one, e.g. in a loop when hunting.
 */
const SEEDS = process.env['SYNC_MODEL_SEED'] ? [Number(process.env['SYNC_MODEL_SEED'])] : [11, 45];

describe.each(ENGINES)('sync model (%s)', (engine) => {
  let server: TestServer;

  // A fresh server per seed: every scenario registers the same users.
  beforeEach(async () => {
    server = await TestServer.start(engine);
  });
  afterEach(() => server?.stop());

  it.each(SEEDS)(
    'keeps every client equal to /state and /messages (seed %i)',
    async (seed) => {
      const scenario = new Scenario(server, new Rng(seed));
      try {
        await scenario.run();
      } catch (err) {
        if (err instanceof Error) {
          err.message = `seed ${seed} (rerun with SYNC_MODEL_SEED=${seed})\nlast steps:\n  ${scenario.trace.slice(-15).join('\n  ')}\n${err.message}`;
        }
        throw err;
      }
    },
    120_000,
  );
});
