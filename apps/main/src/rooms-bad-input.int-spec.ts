import { V3, expectError } from './accounts.test-helper';
import { createRoom, join, sendText, type TestUser } from './rooms.test-helper';
import { ENGINES, TestServer, type ApiResponse } from './test-server.test-helper';

/**
 * The room endpoints against requests that name a room, event or user that is unknown or
 * malformed, come from a user who may not act, fail the authorization rules, or carry an event
 * over the size limits; on both engines, and in every creatable room version where the answer
 * differs. Each gets the status and errcode the spec gives it (the generic body, token and type
 * checks of these endpoints are in bad-input.int-spec.ts).
 */

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The answer expected: for authorization failures also the rule the error names. */
interface Expected {
  status: number;
  errcode: string;
  rule?: string;
}

const FORBIDDEN: Expected = { status: 403, errcode: 'M_FORBIDDEN' };
const NOT_FOUND: Expected = { status: 404, errcode: 'M_NOT_FOUND' };
const INVALID: Expected = { status: 400, errcode: 'M_INVALID_PARAM' };
const TOO_LARGE: Expected = { status: 413, errcode: 'M_TOO_LARGE' };
const UNSUPPORTED: Expected = { status: 400, errcode: 'M_UNSUPPORTED_ROOM_VERSION' };
const rule = (name: string): Expected => ({ ...FORBIDDEN, rule: name });

/** The ids a path or body template names in braces, e.g. `{room}`; `{self}` is the requester. */
interface Ids {
  room: string;
  private: string;
  event: string;
  privateEvent: string;
  self: string;
  owner: string;
  member: string;
  outsider: string;
  banned: string;
}

type UserName = 'owner' | 'member' | 'mod' | 'outsider' | 'banned';

interface Endpoint {
  method: Method;
  path: string;
  body?: Record<string, unknown>;
  /** The answer for a well-formed room id the server does not know. */
  unknownRoom: Expected;
  /** The answer for a user who never joined; absent where that is no error (join, knock, forget). */
  notMember?: Expected;
}

const V1 = '/chat/client/v1';
const ROOM = `${V3}/rooms/{room}`;
const VERSIONS = ['6', '7', '8', '9', '10', '11', '12'];

/** Well-formed ids of nothing on the server: a pre-v12 and a v12 room id, and an event id. */
const UNKNOWN_ROOMS = ['!unknown:localhost', `!${'A'.repeat(43)}`];
const UNKNOWN_EVENT = `$${'B'.repeat(43)}`;
const MALFORMED_ROOMS = [
  'not-a-room',
  '!:localhost',
  '!room:bad host',
  `!${'A'.repeat(42)}`,
  `!${'A'.repeat(42)}+`,
  `!${'a'.repeat(300)}:localhost`,
];
const MALFORMED_EVENTS = ['not-an-event', '$:localhost', `$${'B'.repeat(42)}`, '$a:bad host'];
const MALFORMED_USERS = ['not-a-user', '@nocolon', 'owner:localhost', '@a:bad host'];

/** Large enough for any event to pass 65,536 bytes, far below the 10 MiB request body limit. */
const HUGE = 'x'.repeat(70_000);

const ENDPOINTS: Endpoint[] = [
  // Reads: 403 for users who are not and were not members; an unknown room looks the same.
  { method: 'GET', path: `${ROOM}/state`, unknownRoom: FORBIDDEN, notMember: FORBIDDEN },
  {
    method: 'GET',
    path: `${ROOM}/state/m.room.create/`,
    unknownRoom: FORBIDDEN,
    notMember: FORBIDDEN,
  },
  { method: 'GET', path: `${ROOM}/members`, unknownRoom: FORBIDDEN, notMember: FORBIDDEN },
  { method: 'GET', path: `${ROOM}/joined_members`, unknownRoom: FORBIDDEN, notMember: FORBIDDEN },
  { method: 'GET', path: `${ROOM}/messages`, unknownRoom: FORBIDDEN, notMember: FORBIDDEN },
  {
    method: 'GET',
    path: `${ROOM}/context/{event}`,
    unknownRoom: FORBIDDEN,
    notMember: FORBIDDEN,
  },
  { method: 'GET', path: `${ROOM}/initialSync`, unknownRoom: FORBIDDEN, notMember: FORBIDDEN },
  { method: 'GET', path: `${ROOM}/aliases`, unknownRoom: FORBIDDEN, notMember: FORBIDDEN },
  {
    method: 'GET',
    path: `${V1}/rooms/{room}/threads`,
    unknownRoom: FORBIDDEN,
    notMember: FORBIDDEN,
  },
  {
    method: 'GET',
    path: `${V1}/rooms/{room}/timestamp_to_event?ts=0&dir=f`,
    unknownRoom: FORBIDDEN,
    notMember: FORBIDDEN,
  },
  // The spec answers 404 for an event the user may not read, whatever the reason.
  { method: 'GET', path: `${ROOM}/event/{event}`, unknownRoom: NOT_FOUND, notMember: NOT_FOUND },
  {
    method: 'GET',
    path: `${V1}/rooms/{room}/relations/{event}`,
    unknownRoom: NOT_FOUND,
    notMember: NOT_FOUND,
  },
  // Writes: an unknown room is 404; a non-member's event fails the authorization rules.
  {
    method: 'PUT',
    path: `${ROOM}/send/m.room.message/rooms-bad-input`,
    body: { msgtype: 'm.text', body: 'hi' },
    unknownRoom: NOT_FOUND,
    notMember: rule('event.sender_not_joined'),
  },
  {
    method: 'PUT',
    path: `${ROOM}/state/m.room.topic/`,
    body: { topic: 'hi' },
    unknownRoom: NOT_FOUND,
    notMember: rule('event.sender_not_joined'),
  },
  {
    method: 'PUT',
    path: `${ROOM}/redact/{event}/rooms-bad-input`,
    unknownRoom: NOT_FOUND,
    notMember: FORBIDDEN,
  },
  { method: 'POST', path: `${V3}/join/{room}`, unknownRoom: NOT_FOUND },
  { method: 'POST', path: `${ROOM}/join`, unknownRoom: NOT_FOUND },
  { method: 'POST', path: `${V3}/knock/{room}`, unknownRoom: NOT_FOUND },
  { method: 'POST', path: `${ROOM}/forget`, unknownRoom: NOT_FOUND },
  {
    method: 'POST',
    path: `${ROOM}/invite`,
    body: { user_id: '@someone:localhost' },
    unknownRoom: NOT_FOUND,
    notMember: rule('member.invite.sender_not_joined'),
  },
  { method: 'POST', path: `${ROOM}/leave`, unknownRoom: NOT_FOUND, notMember: FORBIDDEN },
  {
    method: 'POST',
    path: `${ROOM}/kick`,
    body: { user_id: '{member}' },
    unknownRoom: NOT_FOUND,
    notMember: rule('member.leave.sender_not_joined'),
  },
  {
    method: 'POST',
    path: `${ROOM}/ban`,
    body: { user_id: '{member}' },
    unknownRoom: NOT_FOUND,
    notMember: rule('member.ban.sender_not_joined'),
  },
  {
    method: 'POST',
    path: `${ROOM}/unban`,
    body: { user_id: '{banned}' },
    unknownRoom: NOT_FOUND,
    notMember: rule('member.leave.sender_not_joined'),
  },
  {
    method: 'POST',
    path: `${ROOM}/upgrade`,
    body: { new_version: '12' },
    unknownRoom: NOT_FOUND,
    notMember: FORBIDDEN,
  },
  // Typing and receipts: joined users only.
  {
    method: 'PUT',
    path: `${ROOM}/typing/{self}`,
    body: { typing: true, timeout: 1000 },
    unknownRoom: FORBIDDEN,
    notMember: FORBIDDEN,
  },
  {
    method: 'POST',
    path: `${ROOM}/receipt/m.read/{event}`,
    unknownRoom: FORBIDDEN,
    notMember: FORBIDDEN,
  },
  {
    method: 'POST',
    path: `${ROOM}/read_markers`,
    body: { 'm.fully_read': '{event}' },
    unknownRoom: FORBIDDEN,
    notMember: FORBIDDEN,
  },
];

interface Case {
  user: UserName;
  method: Method;
  path: string;
  body?: Record<string, unknown>;
  expected: Expected;
}

/** Events the authorization rules refuse, in the v12 room, each naming the failed rule. */
const AUTH_FAILURES: Case[] = [
  {
    user: 'member',
    method: 'PUT',
    path: `${ROOM}/state/m.room.name/`,
    body: { name: 'mine now' },
    expected: rule('event.insufficient_power'),
  },
  {
    user: 'owner',
    method: 'PUT',
    path: `${ROOM}/state/org.example.note/{member}`,
    body: {},
    expected: rule('event.state_key_impersonation'),
  },
  {
    user: 'banned',
    method: 'PUT',
    path: `${ROOM}/send/m.room.message/rooms-bad-input`,
    body: { msgtype: 'm.text', body: 'let me back' },
    expected: rule('event.sender_not_joined'),
  },
  {
    user: 'outsider',
    method: 'PUT',
    path: `${ROOM}/redact/${encodeURIComponent(UNKNOWN_EVENT)}/rooms-bad-input`,
    body: {},
    expected: rule('event.sender_not_joined'),
  },
  {
    user: 'member',
    method: 'PUT',
    path: `${ROOM}/state/m.room.member/{outsider}`,
    body: { membership: 'join' },
    expected: rule('member.join.not_self'),
  },
  {
    user: 'owner',
    method: 'PUT',
    path: `${ROOM}/state/m.room.member/{outsider}`,
    body: { membership: 'dance' },
    expected: rule('member.unknown_membership'),
  },
  {
    user: 'owner',
    method: 'PUT',
    path: `${ROOM}/state/m.room.member/{self}`,
    body: { displayname: 'no membership' },
    expected: rule('member.malformed'),
  },
  {
    user: 'outsider',
    method: 'POST',
    path: `${V3}/rooms/{private}/join`,
    expected: rule('member.join.not_invited'),
  },
  {
    user: 'outsider',
    method: 'POST',
    path: `${V3}/join/{private}`,
    expected: rule('member.join.not_invited'),
  },
  { user: 'banned', method: 'POST', path: `${ROOM}/join`, expected: rule('member.join.banned') },
  {
    user: 'member',
    method: 'POST',
    path: `${ROOM}/invite`,
    body: { user_id: '{outsider}' },
    expected: rule('member.invite.insufficient_power'),
  },
  {
    user: 'member',
    method: 'POST',
    path: `${ROOM}/kick`,
    body: { user_id: '{owner}' },
    expected: rule('member.leave.insufficient_power'),
  },
  // v12: the creator's power is above any number, so even a moderator cannot kick them.
  {
    user: 'mod',
    method: 'POST',
    path: `${ROOM}/kick`,
    body: { user_id: '{owner}' },
    expected: rule('member.leave.insufficient_power'),
  },
  {
    user: 'member',
    method: 'POST',
    path: `${ROOM}/ban`,
    body: { user_id: '{outsider}' },
    expected: rule('member.ban.insufficient_power'),
  },
  {
    user: 'member',
    method: 'POST',
    path: `${ROOM}/unban`,
    body: { user_id: '{banned}' },
    expected: rule('member.leave.unban_insufficient_power'),
  },
];

/** Refusals decided before the rules run: the state of the room or the request makes no sense. */
const STATE_REFUSALS: Case[] = [
  {
    user: 'member',
    method: 'POST',
    path: `${ROOM}/forget`,
    expected: { status: 400, errcode: 'M_UNKNOWN' },
  },
  {
    user: 'owner',
    method: 'POST',
    path: `${ROOM}/unban`,
    body: { user_id: '{member}' },
    expected: { status: 403, errcode: 'M_BAD_STATE' },
  },
  {
    user: 'owner',
    method: 'POST',
    path: `${ROOM}/invite`,
    body: { user_id: '{member}' },
    expected: FORBIDDEN,
  },
  {
    user: 'owner',
    method: 'POST',
    path: `${ROOM}/invite`,
    body: { user_id: '{banned}' },
    expected: FORBIDDEN,
  },
  {
    user: 'owner',
    method: 'POST',
    path: `${ROOM}/kick`,
    body: { user_id: '{outsider}' },
    expected: FORBIDDEN,
  },
  {
    user: 'member',
    method: 'PUT',
    path: `${ROOM}/typing/{owner}`,
    body: { typing: true },
    expected: FORBIDDEN,
  },
  {
    user: 'member',
    method: 'PUT',
    path: `${ROOM}/redact/{event}/rooms-bad-input`,
    expected: FORBIDDEN,
  },
  {
    user: 'member',
    method: 'POST',
    path: `${ROOM}/upgrade`,
    body: { new_version: '12' },
    expected: FORBIDDEN,
  },
  {
    user: 'owner',
    method: 'POST',
    path: `${ROOM}/upgrade`,
    body: { new_version: '5' },
    expected: UNSUPPORTED,
  },
  {
    user: 'owner',
    method: 'POST',
    path: `${ROOM}/upgrade`,
    body: { new_version: '99' },
    expected: UNSUPPORTED,
  },
  ...['1', '5', '', '12.0'].map(
    (version): Case => ({
      user: 'owner',
      method: 'POST',
      path: `${V3}/createRoom`,
      body: { room_version: version },
      expected: UNSUPPORTED,
    }),
  ),
  { user: 'member', method: 'POST', path: `${ROOM}/receipt/m.nope/{event}`, expected: INVALID },
  {
    user: 'member',
    method: 'POST',
    path: `${ROOM}/receipt/m.fully_read/{event}`,
    body: { thread_id: 'main' },
    expected: INVALID,
  },
];

/** Unknown events and aliases, asked for by a member of the room. */
const NOT_FOUND_CASES: Case[] = [
  ...[UNKNOWN_EVENT, '{privateEvent}'].flatMap((event): Case[] => [
    { user: 'member', method: 'GET', path: `${ROOM}/event/${event}`, expected: NOT_FOUND },
    { user: 'member', method: 'GET', path: `${ROOM}/context/${event}`, expected: NOT_FOUND },
    {
      user: 'member',
      method: 'GET',
      path: `${V1}/rooms/{room}/relations/${event}`,
      expected: NOT_FOUND,
    },
    {
      user: 'member',
      method: 'POST',
      path: `${ROOM}/receipt/m.read/${event}`,
      expected: NOT_FOUND,
    },
    {
      user: 'member',
      method: 'POST',
      path: `${ROOM}/read_markers`,
      body: { 'm.fully_read': event },
      expected: NOT_FOUND,
    },
  ]),
  {
    user: 'member',
    method: 'POST',
    path: `${V3}/join/%23nowhere%3Alocalhost`,
    expected: NOT_FOUND,
  },
  {
    user: 'member',
    method: 'POST',
    path: `${V3}/knock/%23nowhere%3Alocalhost`,
    expected: NOT_FOUND,
  },
  {
    user: 'member',
    method: 'GET',
    path: `${V3}/directory/room/%23nowhere%3Alocalhost`,
    expected: NOT_FOUND,
  },
  {
    user: 'member',
    method: 'DELETE',
    path: `${V3}/directory/room/%23nowhere%3Alocalhost`,
    expected: NOT_FOUND,
  },
  ...UNKNOWN_ROOMS.map(
    (room): Case => ({
      user: 'member',
      method: 'PUT',
      path: `${V3}/directory/room/%23somewhere%3Alocalhost`,
      body: { room_id: room },
      expected: NOT_FOUND,
    }),
  ),
];

/** Malformed ids and aliases where the body or a path segment without a pipe carries them. */
const MALFORMED_CASES: Case[] = [
  ...MALFORMED_USERS.flatMap((userId): Case[] => [
    ...['invite', 'kick', 'ban', 'unban'].map(
      (action): Case => ({
        user: 'owner',
        method: 'POST',
        path: `${ROOM}/${action}`,
        body: { user_id: userId },
        expected: INVALID,
      }),
    ),
    {
      user: 'owner',
      method: 'POST',
      path: `${V3}/createRoom`,
      body: { invite: ['@fine:localhost', userId] },
      expected: INVALID,
    },
    {
      user: 'member',
      method: 'PUT',
      path: `${ROOM}/typing/${encodeURIComponent(userId)}`,
      body: { typing: true },
      expected: INVALID,
    },
  ]),
  ...MALFORMED_ROOMS.map(
    (room): Case => ({
      user: 'member',
      method: 'PUT',
      path: `${V3}/directory/room/%23somewhere%3Alocalhost`,
      body: { room_id: room },
      expected: INVALID,
    }),
  ),
  ...MALFORMED_EVENTS.flatMap((event): Case[] => [
    {
      user: 'member',
      method: 'POST',
      path: `${ROOM}/read_markers`,
      body: { 'm.read': event },
      expected: INVALID,
    },
    {
      user: 'member',
      method: 'POST',
      path: `${ROOM}/receipt/m.read/{event}`,
      body: { thread_id: event },
      expected: INVALID,
    },
  ]),
  // Aliases: no server name, or not ours to create.
  ...['#nope', 'nope', '#:localhost'].flatMap((alias): Case[] => [
    {
      user: 'member',
      method: 'POST',
      path: `${V3}/join/${encodeURIComponent(alias)}`,
      expected: INVALID,
    },
    {
      user: 'member',
      method: 'POST',
      path: `${V3}/knock/${encodeURIComponent(alias)}`,
      expected: INVALID,
    },
    {
      user: 'member',
      method: 'GET',
      path: `${V3}/directory/room/${encodeURIComponent(alias)}`,
      expected: INVALID,
    },
    {
      user: 'member',
      method: 'DELETE',
      path: `${V3}/directory/room/${encodeURIComponent(alias)}`,
      expected: INVALID,
    },
  ]),
  {
    user: 'member',
    method: 'PUT',
    path: `${V3}/directory/room/${encodeURIComponent('#elsewhere:example.org')}`,
    body: { room_id: '{room}' },
    expected: INVALID,
  },
  ...['', 'has space', 'a:b', 'x'.repeat(300)].map(
    (name): Case => ({
      user: 'owner',
      method: 'POST',
      path: `${V3}/createRoom`,
      body: { room_alias_name: name },
      expected: INVALID,
    }),
  ),
];

/** Events over the limits: 65,536 bytes in all, 255 bytes for the type and the state key. */
const OVERSIZED_CASES: Case[] = [
  {
    user: 'owner',
    method: 'PUT',
    path: `${ROOM}/send/m.room.message/huge`,
    body: { msgtype: 'm.text', body: HUGE },
    expected: TOO_LARGE,
  },
  // The content alone is under the limit; with the event's other fields it is over.
  {
    user: 'owner',
    method: 'PUT',
    path: `${ROOM}/send/m.room.message/nearly`,
    body: { body: 'x'.repeat(65_400) },
    expected: TOO_LARGE,
  },
  {
    user: 'owner',
    method: 'PUT',
    path: `${ROOM}/state/m.room.topic/`,
    body: { topic: HUGE },
    expected: TOO_LARGE,
  },
  {
    user: 'owner',
    method: 'POST',
    path: `${ROOM}/invite`,
    body: { user_id: '@someone:localhost', reason: HUGE },
    expected: TOO_LARGE,
  },
  {
    user: 'owner',
    method: 'PUT',
    path: `${ROOM}/redact/${encodeURIComponent(UNKNOWN_EVENT)}/huge`,
    body: { reason: HUGE },
    expected: TOO_LARGE,
  },
  {
    user: 'owner',
    method: 'POST',
    path: `${V3}/createRoom`,
    body: { name: HUGE },
    expected: TOO_LARGE,
  },
  {
    user: 'owner',
    method: 'POST',
    path: `${V3}/createRoom`,
    body: { initial_state: [{ type: 'x'.repeat(256), content: {} }] },
    expected: TOO_LARGE,
  },
  {
    user: 'owner',
    method: 'POST',
    path: `${V3}/createRoom`,
    body: { initial_state: [{ type: 'org.example', state_key: 'k'.repeat(256), content: {} }] },
    expected: TOO_LARGE,
  },
  // Bytes, not characters: 128 × "é" is 256 bytes.
  ...['a'.repeat(256), 'é'.repeat(128)].flatMap((long): Case[] => [
    {
      user: 'owner',
      method: 'PUT',
      path: `${ROOM}/send/${encodeURIComponent(long)}/long`,
      body: {},
      expected: TOO_LARGE,
    },
    {
      user: 'owner',
      method: 'PUT',
      path: `${ROOM}/state/${encodeURIComponent(long)}/`,
      body: {},
      expected: TOO_LARGE,
    },
    {
      user: 'owner',
      method: 'PUT',
      path: `${ROOM}/state/org.example/${encodeURIComponent(long)}`,
      body: {},
      expected: TOO_LARGE,
    },
  ]),
];

/** How a join or knock by a stranger ends, per join rule, as a function of the room version. */
const JOIN_RULE_CASES: Array<{
  joinRule: string;
  join: (v: number) => Expected;
  knock: (v: number) => Expected | 'ok';
}> = [
  {
    joinRule: 'invite',
    join: () => rule('member.join.not_invited'),
    // Before v7 the server refuses to knock at all, without building an event.
    knock: (v) => (v < 7 ? FORBIDDEN : rule('member.knock.join_rule')),
  },
  {
    joinRule: 'knock',
    join: (v) => rule(v < 7 ? 'member.join.not_allowed' : 'member.join.not_invited'),
    knock: (v) => (v < 7 ? FORBIDDEN : 'ok'),
  },
  {
    joinRule: 'restricted',
    join: (v) => rule(v < 8 ? 'member.join.not_allowed' : 'member.join.restricted'),
    knock: (v) => (v < 7 ? FORBIDDEN : rule('member.knock.join_rule')),
  },
  {
    joinRule: 'knock_restricted',
    join: (v) => rule(v < 10 ? 'member.join.not_allowed' : 'member.join.restricted'),
    knock: (v) => (v < 7 ? FORBIDDEN : v < 10 ? rule('member.knock.join_rule') : 'ok'),
  },
];

/** `template` with each `{name}` replaced by `encode(ids[name])`. */
function fill(template: string, ids: Ids, encode: (id: string) => string): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (whole, key: string) =>
    key in ids ? encode(ids[key as keyof Ids]) : whole,
  );
}

/** A string's JSON form without its quotes, for ids placed into a serialized body. */
const inJson = (id: string) => JSON.stringify(id).slice(1, -1);

function expectRefusal(res: ApiResponse, expected: Expected): void {
  expectError(res, expected.status, expected.errcode);
  if (expected.rule) expect(res.body['error']).toContain(`(auth rule ${expected.rule})`);
}

const label = (c: { method: Method; path: string }) => `${c.method} ${c.path}`;

describe.each(ENGINES)('room bad input (%s)', (engine) => {
  let server: TestServer;
  let users: Record<UserName | 'stranger', TestUser>;
  /** v12, public: the owner created it, the moderator (level 50) and member joined, banned was banned. */
  let roomId: string;
  let eventId: string;
  /** Invite-only, the owner alone, with an event none of the others may see. */
  let privateRoomId: string;
  let privateEventId: string;

  beforeAll(async () => {
    server = await TestServer.start(engine);
    const names = ['owner', 'member', 'mod', 'outsider', 'banned', 'stranger'] as const;
    const registered = await Promise.all(names.map((name) => server.register(name)));
    users = Object.fromEntries(names.map((name, i) => [name, registered[i]])) as typeof users;
    const { owner } = users;
    roomId = await createRoom(server, owner, {
      preset: 'public_chat',
      power_level_content_override: {
        users: { [users.mod.userId]: 50 },
        events: { 'm.room.power_levels': 50 },
      },
    });
    for (const user of [users.member, users.mod, users.banned]) {
      expect((await join(server, user, roomId)).status).toBe(200);
    }
    const ban = await send(owner, 'POST', `${ROOM}/ban`, { user_id: '{banned}' });
    expect(ban.status).toBe(200);
    eventId = await sendText(server, owner, roomId, 'hello');
    privateRoomId = await createRoom(server, owner, { preset: 'private_chat' });
    privateEventId = await sendText(server, owner, privateRoomId, 'secret');
  });
  afterAll(() => server?.stop());

  function ids(user: TestUser, room = roomId, event = eventId): Ids {
    return {
      room,
      private: privateRoomId,
      event,
      privateEvent: privateEventId,
      self: user.userId,
      owner: users.owner.userId,
      member: users.member.userId,
      outsider: users.outsider.userId,
      banned: users.banned.userId,
    };
  }

  /** Sends `method path` as `user`, with the placeholders filled in (`room`/`event` override). */
  function send(
    user: TestUser,
    method: Method,
    path: string,
    body?: Record<string, unknown>,
    place: { room?: string; event?: string } = {},
  ): Promise<ApiResponse> {
    const values = ids(user, place.room, place.event);
    return server.request(method, fill(path, values, encodeURIComponent), {
      token: user.token,
      body: body
        ? (JSON.parse(fill(JSON.stringify(body), values, inJson)) as unknown)
        : method === 'GET' || method === 'DELETE'
          ? undefined
          : {},
    });
  }

  const runCase = (c: Case) => send(users[c.user], c.method, c.path, c.body);

  describe.each(UNKNOWN_ROOMS)('unknown room %s', (unknown) => {
    it.each(ENDPOINTS.map((e) => [label(e), e] as const))('%s', async (_, endpoint) => {
      const res = await send(users.member, endpoint.method, endpoint.path, endpoint.body, {
        room: unknown,
        event: UNKNOWN_EVENT,
      });
      expectRefusal(res, endpoint.unknownRoom);
    });
  });

  it.each(ENDPOINTS.filter((e) => e.notMember).map((e) => [label(e), e] as const))(
    'not a member: %s',
    async (_, endpoint) => {
      const res = await send(users.outsider, endpoint.method, endpoint.path, endpoint.body);
      expectRefusal(res, endpoint.notMember as Expected);
    },
  );

  describe.each(MALFORMED_ROOMS)('malformed room id %s → 400 M_INVALID_PARAM', (malformed) => {
    it.each(ENDPOINTS.map((e) => [label(e), e] as const))('%s', async (_, endpoint) => {
      const res = await send(users.member, endpoint.method, endpoint.path, endpoint.body, {
        room: malformed,
      });
      expectRefusal(res, INVALID);
    });
  });

  describe.each(MALFORMED_EVENTS)('malformed event id %s → 400 M_INVALID_PARAM', (malformed) => {
    const withEvent = ENDPOINTS.filter((e) => e.path.includes('{event}'));
    it.each(withEvent.map((e) => [label(e), e] as const))('%s', async (_, endpoint) => {
      const res = await send(users.member, endpoint.method, endpoint.path, endpoint.body, {
        event: malformed,
      });
      expectRefusal(res, INVALID);
    });
  });

  const table = (cases: Case[]) =>
    cases.map(
      (c) => [`${c.user}: ${label(c)} ${JSON.stringify(c.body) ?? ''}`.slice(0, 200), c] as const,
    );

  it.each(table(MALFORMED_CASES))('malformed: %s → 400 M_INVALID_PARAM', async (_, c) => {
    expectRefusal(await runCase(c), c.expected);
  });

  it.each(table(NOT_FOUND_CASES))('unknown: %s → 404 M_NOT_FOUND', async (_, c) => {
    expectRefusal(await runCase(c), c.expected);
  });

  it.each(table(AUTH_FAILURES))('auth rules: %s', async (_, c) => {
    expectRefusal(await runCase(c), c.expected);
  });

  it.each(table(STATE_REFUSALS))('refused: %s', async (_, c) => {
    expectRefusal(await runCase(c), c.expected);
  });

  describe('power levels a moderator may not set', () => {
    let current: Record<string, unknown>;
    beforeAll(async () => {
      current = (await send(users.mod, 'GET', `${ROOM}/state/m.room.power_levels/`)).body;
    });

    it.each([
      [
        'a user above their own level',
        'power_levels.users_new_value',
        () => ({
          users: { ...(current['users'] as object), [users.member.userId]: 60 },
        }),
      ],
      ['a named level above their own', 'power_levels.ban', () => ({ ban: 60 })],
    ] as const)('%s → 403 (auth rule %s)', async (_, name, change) => {
      const res = await send(users.mod, 'PUT', `${ROOM}/state/m.room.power_levels/`, {
        ...current,
        ...change(),
      });
      expectRefusal(res, rule(name));
    });
  });

  describe('oversized events', () => {
    it.each(table(OVERSIZED_CASES))('%s → 413 M_TOO_LARGE', async (_, c) => {
      expectRefusal(await runCase(c), c.expected);
    });

    it('events right under the limits are accepted, also after refusals', async () => {
      const accepted = [
        await send(users.owner, 'PUT', `${ROOM}/send/m.room.message/big`, {
          body: 'x'.repeat(60_000),
        }),
        ...(await Promise.all(
          ['a'.repeat(255), 'é'.repeat(127)].flatMap((long) => [
            send(users.owner, 'PUT', `${ROOM}/send/${encodeURIComponent(long)}/long`, {}),
            send(users.owner, 'PUT', `${ROOM}/state/${encodeURIComponent(long)}/`, {}),
            send(users.owner, 'PUT', `${ROOM}/state/org.example/${encodeURIComponent(long)}`, {}),
          ]),
        )),
      ];
      expect(accepted.map((res) => res.status)).toEqual(accepted.map(() => 200));
    });
  });

  describe.each(VERSIONS)('room version %s', (version) => {
    const v = Number(version);

    it.each(JOIN_RULE_CASES.map((c) => [c.joinRule, c] as const))(
      'join rule %s: a stranger joins and knocks',
      async (joinRule, c) => {
        const content = joinRule.includes('restricted')
          ? { join_rule: joinRule, allow: [] }
          : { join_rule: joinRule };
        const room = await createRoom(server, users.owner, {
          room_version: version,
          initial_state: [{ type: 'm.room.join_rules', content }],
        });
        const { stranger } = users;
        expectRefusal(await send(stranger, 'POST', `${ROOM}/join`, {}, { room }), c.join(v));
        const knock = await send(stranger, 'POST', `${V3}/knock/{room}`, {}, { room });
        const expected = c.knock(v);
        if (expected === 'ok')
          expect(knock).toMatchObject({ status: 200, body: { room_id: room } });
        else expectRefusal(knock, expected);
      },
    );

    describe('power levels', () => {
      let room: string;
      let levels: Record<string, unknown>;
      beforeAll(async () => {
        room = await createRoom(server, users.owner, { room_version: version });
        levels = (
          await send(users.owner, 'GET', `${ROOM}/state/m.room.power_levels/`, undefined, { room })
        ).body;
      });
      const putLevels = (content: Record<string, unknown>) =>
        send(
          users.owner,
          'PUT',
          `${ROOM}/state/m.room.power_levels/`,
          { ...levels, ...content },
          { room },
        );

      it(`integer strings are ${v < 10 ? 'accepted' : 'refused (v10+)'}`, async () => {
        const res = await putLevels({ ban: '50' });
        if (v < 10) expect(res.status).toBe(200);
        else expectRefusal(res, rule('power_levels.not_integer'));
      });

      it(`creators in users are ${v < 12 ? 'accepted' : 'refused (v12)'}`, async () => {
        const res = await putLevels({
          users: { [users.owner.userId]: 100, [users.member.userId]: 50 },
        });
        if (v < 12) expect(res.status).toBe(200);
        else expectRefusal(res, rule('power_levels.creator_in_users'));
      });

      it('floats and integers beyond ±(2^53−1) are refused (strict canonical JSON, v6+)', async () => {
        const bad = [{ ban: 50.5 }, { ban: 2 ** 53 }];
        for (const content of bad)
          expectRefusal(await putLevels(content), { status: 400, errcode: 'M_BAD_JSON' });
        const message = await send(
          users.owner,
          'PUT',
          `${ROOM}/send/m.room.message/float`,
          { n: 0.5 },
          { room },
        );
        expectRefusal(message, { status: 400, errcode: 'M_BAD_JSON' });
      });
    });
  });
});
