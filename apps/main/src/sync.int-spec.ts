import { expectError, V3 } from './accounts.test-helper';
import { createRoom, invite, join, roomPath, sendText, type TestUser } from './rooms.test-helper';
import { ENGINES, TestServer, type ApiResponse } from './test-server.test-helper';

type Json = Record<string, unknown>;

describe.each(ENGINES)('/sync (%s)', (engine) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    server = await TestServer.start(engine);
    alice = await server.register('alice');
    bob = await server.register('bob');
  });

  afterAll(async () => {
    await server.stop();
  });

  async function sync(user: TestUser, params: Record<string, string> = {}): Promise<ApiResponse> {
    const query = new URLSearchParams(params).toString();
    return server.request('GET', `${V3}/sync${query ? `?${query}` : ''}`, { token: user.token });
  }

  async function syncOk(user: TestUser, params: Record<string, string> = {}): Promise<Json> {
    const res = await sync(user, params);
    expect(res.status).toBe(200);
    expect(typeof res.body['next_batch']).toBe('string');
    return res.body;
  }

  function joined(body: Json, roomId: string): Json {
    const room = (body['rooms'] as Json | undefined)?.['join'] as Json | undefined;
    return room?.[roomId] as Json;
  }

  function timelineIds(room: Json): string[] {
    return ((room['timeline'] as Json)['events'] as Json[]).map((e) => e['event_id'] as string);
  }

  function stateTypes(room: Json): string[] {
    return ((room['state'] as Json)['events'] as Json[]).map((e) => e['type'] as string);
  }

  async function sharedRoom(): Promise<string> {
    const roomId = await createRoom(server, alice, { preset: 'public_chat' });
    expect((await join(server, bob, roomId)).status).toBe(200);
    return roomId;
  }

  it('initial sync: a limited timeline, the state before it, and a prev_batch /messages continues', async () => {
    const roomId = await createRoom(server, alice, { name: 'Initial' });
    const sent: string[] = [];
    for (let i = 0; i < 4; i++) sent.push(await sendText(server, alice, roomId, `m${i}`));
    const body = await syncOk(alice, {
      filter: JSON.stringify({ room: { timeline: { limit: 3 } } }),
    });
    const room = joined(body, roomId);
    expect(timelineIds(room)).toEqual(sent.slice(1));
    expect((room['timeline'] as Json)['limited']).toBe(true);
    expect(stateTypes(room)).toEqual(
      expect.arrayContaining([
        'm.room.create',
        'm.room.member',
        'm.room.power_levels',
        'm.room.name',
      ]),
    );
    const messages = await server.request(
      'GET',
      `${roomPath(roomId, 'messages')}?dir=b&limit=1&from=${encodeURIComponent(
        (room['timeline'] as Json)['prev_batch'] as string,
      )}`,
      { token: alice.token },
    );
    expect((messages.body['chunk'] as Json[]).map((e) => e['event_id'])).toEqual([sent[0]]);
    expect(room['summary']).toEqual({
      'm.heroes': [],
      'm.joined_member_count': 1,
      'm.invited_member_count': 0,
    });
    expect(room['unread_notifications']).toEqual({ notification_count: 0, highlight_count: 0 });
    // Sync's events carry no room_id (the room is the key above them), and the sender's own
    // events name the transaction that sent them.
    const last = ((room['timeline'] as Json)['events'] as Json[]).at(-1) as Json;
    expect(last['room_id']).toBeUndefined();
    expect((last['unsigned'] as Json)['transaction_id']).toEqual(expect.any(String));
  });

  it('each room gets its own latest events when many rooms are read at once', async () => {
    const dave = await server.register(`dave-${engine}`);
    const last = new Map<string, string>();
    for (let i = 0; i < 4; i++) {
      const roomId = await createRoom(server, dave, {});
      await sendText(server, dave, roomId, `first in ${i}`);
      last.set(roomId, await sendText(server, dave, roomId, `last in ${i}`));
    }
    const body = await syncOk(dave, {
      filter: JSON.stringify({ room: { timeline: { limit: 1 } } }),
    });
    for (const [roomId, eventId] of last)
      expect(timelineIds(joined(body, roomId))).toEqual([eventId]);
  });

  it.each([
    ['joined', false],
    ['shared', true],
    ['invited', false],
  ])('history visibility %s: a new member sees earlier messages: %s', async (visibility, seen) => {
    const roomId = await createRoom(server, alice, {
      preset: 'public_chat',
      initial_state: [
        {
          type: 'm.room.history_visibility',
          state_key: '',
          content: { history_visibility: visibility },
        },
      ],
    });
    const before = await sendText(server, alice, roomId, 'before bob');
    const since = (await syncOk(bob))['next_batch'] as string;
    expect((await join(server, bob, roomId)).status).toBe(200);
    const after = await sendText(server, alice, roomId, 'after bob');
    for (const body of [await syncOk(bob, { since }), await syncOk(bob)]) {
      const ids = timelineIds(joined(body, roomId));
      expect(ids).toContain(after);
      expect(ids.includes(before)).toBe(seen);
    }
  });

  it('incremental sync returns only what is new, and a gap brings the state that changed in it', async () => {
    const roomId = await sharedRoom();
    const first = await syncOk(bob);
    const since = first['next_batch'] as string;
    const quiet = await syncOk(bob, { since });
    expect(joined(quiet, roomId)).toBeUndefined();

    const one = await sendText(server, alice, roomId, 'hello bob');
    const next = await syncOk(bob, { since });
    expect(timelineIds(joined(next, roomId))).toEqual([one]);
    expect((joined(next, roomId)['timeline'] as Json)['limited']).toBe(false);
    expect(stateTypes(joined(next, roomId))).toEqual([]);

    const topic = await server.request('PUT', roomPath(roomId, 'state/m.room.topic/'), {
      token: alice.token,
      body: { topic: 'changed in the gap' },
    });
    expect(topic.status).toBe(200);
    const after: string[] = [];
    for (let i = 0; i < 3; i++) after.push(await sendText(server, alice, roomId, `after ${i}`));
    const gap = await syncOk(bob, {
      since: next['next_batch'] as string,
      filter: JSON.stringify({ room: { timeline: { limit: 2 } } }),
    });
    const room = joined(gap, roomId);
    expect(timelineIds(room)).toEqual(after.slice(1));
    expect((room['timeline'] as Json)['limited']).toBe(true);
    const state = (room['state'] as Json)['events'] as Json[];
    expect(state.find((e) => e['type'] === 'm.room.topic')?.['event_id']).toBe(
      topic.body['event_id'],
    );
  });

  it('a long-poll returns as soon as a message arrives', async () => {
    const roomId = await sharedRoom();
    const since = (await syncOk(bob))['next_batch'] as string;
    const poll = sync(bob, { since, timeout: '20000' });
    const eventId = await sendText(server, alice, roomId, 'wake up');
    const res = await poll;
    expect(timelineIds(joined(res.body, roomId))).toContain(eventId);
  });

  /**
   * Each change wakes a waiting long-poll. The poll's own timeout (30 s) is far beyond jest's
   * (5 s), so a change that does not wake it fails the test instead of arriving at the timeout.
   */
  describe('wakes a waiting long-poll', () => {
    const wakes: Array<
      [string, (roomId: string) => Promise<unknown>, (body: Json, roomId: string) => void]
    > = [
      [
        'to-device message',
        () =>
          server.request('PUT', `${V3}/sendToDevice/org.example.wake/${Math.random()}`, {
            token: alice.token,
            body: { messages: { [bob.userId]: { '*': { wake: true } } } },
          }),
        (body) => expect((body['to_device'] as Json)['events']).toHaveLength(1),
      ],
      [
        'global account data',
        () =>
          server.request(
            'PUT',
            `${V3}/user/${encodeURIComponent(bob.userId)}/account_data/org.example.wake`,
            {
              token: bob.token,
              body: { n: Math.random() },
            },
          ),
        (body) =>
          expect(
            ((body['account_data'] as Json)['events'] as Json[]).map((e) => e['type']),
          ).toContain('org.example.wake'),
      ],
      [
        'a room tag',
        (roomId) =>
          server.request(
            'PUT',
            `${V3}/user/${encodeURIComponent(bob.userId)}/rooms/${encodeURIComponent(roomId)}/tags/u.work`,
            { token: bob.token, body: {} },
          ),
        (body, roomId) =>
          expect((joined(body, roomId)['account_data'] as Json)['events']).toEqual([
            { type: 'm.tag', content: { tags: { 'u.work': {} } } },
          ]),
      ],
      [
        'a receipt',
        async (roomId) => {
          const latest = await server.request(
            'GET',
            `${roomPath(roomId, 'messages')}?dir=b&limit=1`,
            {
              token: alice.token,
            },
          );
          const eventId = (latest.body['chunk'] as Json[])[0]['event_id'] as string;
          return server.request(
            'POST',
            roomPath(roomId, `receipt/m.read/${encodeURIComponent(eventId)}`),
            {
              token: alice.token,
              body: {},
            },
          );
        },
        (body, roomId) =>
          expect(
            ((joined(body, roomId)['ephemeral'] as Json)['events'] as Json[]).map((e) => e['type']),
          ).toContain('m.receipt'),
      ],
      [
        'presence',
        () =>
          server.request('PUT', `${V3}/presence/${encodeURIComponent(alice.userId)}/status`, {
            token: alice.token,
            body: { presence: 'online', status_msg: `here ${Math.random()}` },
          }),
        (body) =>
          expect(
            ((body['presence'] as Json)['events'] as Json[]).map((e) => e['sender']),
          ).toContain(alice.userId),
      ],
      [
        'push rules',
        () =>
          server.request(
            'PUT',
            `${V3}/pushrules/global/room/${encodeURIComponent('!wake:localhost')}`,
            {
              token: bob.token,
              body: { actions: ['notify'] },
            },
          ),
        (body) =>
          expect(
            ((body['account_data'] as Json)['events'] as Json[]).map((e) => e['type']),
          ).toContain('m.push_rules'),
      ],
      [
        'a device list change of someone sharing a room',
        () =>
          server.request('POST', `${V3}/login`, {
            body: {
              type: 'm.login.password',
              identifier: { type: 'm.id.user', user: 'alice' },
              password: 'correct horse',
            },
          }),
        (body) => expect((body['device_lists'] as Json)['changed']).toContain(alice.userId),
      ],
      [
        'an invite',
        async () => {
          const other = await createRoom(server, alice, {});
          return invite(server, alice, other, bob.userId);
        },
        (body) => expect(Object.keys((body['rooms'] as Json)['invite'] as Json)).toHaveLength(1),
      ],
    ];

    it.each(wakes)('%s', async (_, change, check) => {
      const roomId = await sharedRoom();
      const since = (await syncOk(bob, { set_presence: 'offline' }))['next_batch'] as string;
      const poll = sync(bob, { since, timeout: '30000', set_presence: 'offline' });
      const res = await change(roomId);
      expect((res as ApiResponse).status).toBe(200);
      const body = (await poll).body;
      check(body, roomId);
    });
  });

  it('a long-poll with nothing new ends at its timeout with the same positions', async () => {
    const since = (await syncOk(bob))['next_batch'] as string;
    const res = await syncOk(bob, { since, timeout: '200' });
    expect(res['rooms']).toBeUndefined();
    expect(res['device_one_time_keys_count']).toEqual({ signed_curve25519: 0 });
  });

  it('typing, receipts and account data arrive in the rooms they belong to', async () => {
    const roomId = await sharedRoom();
    const eventId = await sendText(server, alice, roomId, 'read me');
    const since = (await syncOk(bob))['next_batch'] as string;
    const poll = sync(bob, { since, timeout: '20000' });
    await server.request('PUT', roomPath(roomId, `typing/${encodeURIComponent(alice.userId)}`), {
      token: alice.token,
      body: { typing: true, timeout: 30000 },
    });
    const typing = joined((await poll).body, roomId);
    expect((typing['ephemeral'] as Json)['events']).toContainEqual({
      type: 'm.typing',
      content: { user_ids: [alice.userId] },
    });

    const receipt = await server.request(
      'POST',
      roomPath(roomId, `receipt/m.read/${encodeURIComponent(eventId)}`),
      { token: alice.token, body: {} },
    );
    expect(receipt.status).toBe(200);
    await server.request(
      'PUT',
      `${V3}/user/${encodeURIComponent(bob.userId)}/rooms/${encodeURIComponent(roomId)}/account_data/org.example.note`,
      { token: bob.token, body: { note: 1 } },
    );
    const later = joined(await syncOk(bob, { since }), roomId);
    const receipts = ((later['ephemeral'] as Json)['events'] as Json[]).find(
      (e) => e['type'] === 'm.receipt',
    ) as Json;
    expect(Object.keys((receipts['content'] as Json)[eventId] as Json)).toEqual(['m.read']);
    expect((later['account_data'] as Json)['events']).toEqual([
      { type: 'org.example.note', content: { note: 1 } },
    ]);
  });

  it('global account data, presence and push rules are in the top-level sections', async () => {
    await server.request(
      'PUT',
      `${V3}/user/${encodeURIComponent(bob.userId)}/account_data/org.example.global`,
      { token: bob.token, body: { x: true } },
    );
    const body = await syncOk(bob);
    const types = ((body['account_data'] as Json)['events'] as Json[]).map((e) => e['type']);
    expect(types).toEqual(expect.arrayContaining(['org.example.global', 'm.push_rules']));
    const since = body['next_batch'] as string;
    await sharedRoom();
    await server.request('PUT', `${V3}/presence/${encodeURIComponent(alice.userId)}/status`, {
      token: alice.token,
      body: { presence: 'unavailable', status_msg: 'away' },
    });
    const later = await syncOk(bob, { since, set_presence: 'offline' });
    const presence = ((later['presence'] as Json)['events'] as Json[]).find(
      (e) => e['sender'] === alice.userId,
    ) as Json;
    expect(presence['content']).toMatchObject({ presence: 'unavailable', status_msg: 'away' });
  });

  it('to-device messages arrive once and are gone after the next sync acknowledges them', async () => {
    const since = (await syncOk(bob))['next_batch'] as string;
    const sent = await server.request('PUT', `${V3}/sendToDevice/org.example.ping/txn-sync-1`, {
      token: alice.token,
      body: { messages: { [bob.userId]: { [bob.deviceId]: { n: 1 } } } },
    });
    expect(sent.status).toBe(200);
    const first = await syncOk(bob, { since });
    expect((first['to_device'] as Json)['events']).toEqual([
      { sender: alice.userId, type: 'org.example.ping', content: { n: 1 } },
    ]);
    // Retrying the unacknowledged position delivers again (at least once) ...
    expect((await syncOk(bob, { since }))['to_device']).toBeDefined();
    // ... but once a sync starts from after them they are deleted.
    const acked = await syncOk(bob, { since: first['next_batch'] as string });
    expect(acked['to_device']).toBeUndefined();
    expect((await syncOk(bob, { since }))['to_device']).toBeUndefined();
  });

  it('invites, leaves and newly joined rooms move between sections', async () => {
    const roomId = await createRoom(server, alice, { name: 'Sections' });
    const since = (await syncOk(bob))['next_batch'] as string;
    expect((await invite(server, alice, roomId, bob.userId)).status).toBe(200);
    const invited = await syncOk(bob, { since });
    const inviteState = (((invited['rooms'] as Json)['invite'] as Json)[roomId] as Json)[
      'invite_state'
    ] as Json;
    const stripped = inviteState['events'] as Json[];
    expect(stripped.map((e) => e['type'])).toEqual(
      expect.arrayContaining(['m.room.create', 'm.room.name', 'm.room.member']),
    );
    expect(stripped.find((e) => e['type'] === 'm.room.member')?.['content']).toMatchObject({
      membership: 'invite',
    });

    const afterInvite = invited['next_batch'] as string;
    expect((await join(server, bob, roomId)).status).toBe(200);
    const joinedNow = joined(await syncOk(bob, { since: afterInvite }), roomId);
    // Newly joined: the room's full state, not a delta.
    const seen = [
      ...stateTypes(joinedNow),
      ...((joinedNow['timeline'] as Json)['events'] as Json[]).map((e) => e['type']),
    ];
    expect(seen).toEqual(expect.arrayContaining(['m.room.create', 'm.room.name']));

    const afterJoin = (await syncOk(bob))['next_batch'] as string;
    const left = await server.request('POST', roomPath(roomId, 'leave'), {
      token: bob.token,
      body: {},
    });
    expect(left.status).toBe(200);
    const leaving = await syncOk(bob, { since: afterJoin });
    const leaveRoom = ((leaving['rooms'] as Json)['leave'] as Json)[roomId] as Json;
    expect(timelineIds(leaveRoom)).toHaveLength(1);
    const leaveEvent = ((leaveRoom['timeline'] as Json)['events'] as Json[]).at(-1) as Json;
    expect(leaveEvent).toMatchObject({ state_key: bob.userId, content: { membership: 'leave' } });
  });

  it('lazy loading sends only the member events of the timeline senders, once per device', async () => {
    const carol = await server.register(`carol-${engine}`);
    const roomId = await sharedRoom();
    expect((await join(server, carol, roomId)).status).toBe(200);
    const eventId = await sendText(server, alice, roomId, 'only alice speaks');
    const lazy = JSON.stringify({
      room: { timeline: { limit: 1 }, state: { lazy_load_members: true } },
    });
    const body = await syncOk(bob, { filter: lazy });
    const room = joined(body, roomId);
    expect(timelineIds(room)).toEqual([eventId]);
    const members = ((room['state'] as Json)['events'] as Json[])
      .filter((e) => e['type'] === 'm.room.member')
      .map((e) => e['state_key'])
      .sort();
    expect(members).toEqual([alice.userId, bob.userId].sort());

    const again = await sendText(server, alice, roomId, 'alice again');
    const next = joined(
      await syncOk(bob, { filter: lazy, since: body['next_batch'] as string }),
      roomId,
    );
    expect(timelineIds(next)).toEqual([again]);
    expect(stateTypes(next)).toEqual([]);
    const redundant = JSON.stringify({
      room: {
        timeline: { limit: 1 },
        state: { lazy_load_members: true, include_redundant_members: true },
      },
    });
    const withRedundant = joined(
      await syncOk(bob, { filter: redundant, since: body['next_batch'] as string }),
      roomId,
    );
    expect(stateTypes(withRedundant)).toEqual(['m.room.member']);
  });

  it('filters: rooms, not_types, event_fields and a stored filter id', async () => {
    const roomA = await sharedRoom();
    const roomB = await sharedRoom();
    await sendText(server, alice, roomA, 'in a');
    const created = await server.request(
      'POST',
      `${V3}/user/${encodeURIComponent(bob.userId)}/filter`,
      {
        token: bob.token,
        body: {
          event_fields: ['type', 'content.body'],
          room: { rooms: [roomA], timeline: { limit: 5, not_types: ['m.room.member'] } },
        },
      },
    );
    // Fetched directly: `event_fields` removes fields the OpenAPI marks required, on purpose.
    const raw = await fetch(
      `${server.baseUrl}${V3}/sync?filter=${created.body['filter_id'] as string}`,
      { headers: { Authorization: `Bearer ${bob.token}` } },
    );
    expect(raw.status).toBe(200);
    const body = (await raw.json()) as Json;
    const rooms = (body['rooms'] as Json)['join'] as Json;
    expect(Object.keys(rooms)).toEqual([roomA]);
    expect(joined(body, roomB)).toBeUndefined();
    const events = (joined(body, roomA)['timeline'] as Json)['events'] as Json[];
    expect(events.some((e) => e['type'] === 'm.room.member')).toBe(false);
    expect(events.at(-1)).toEqual({ type: 'm.room.message', content: { body: 'in a' } });
  });

  it('bad input answers Matrix errors', async () => {
    expectError(await sync(bob, { since: 'garbage!' }), 400, 'M_INVALID_PARAM');
    expectError(await sync(bob, { since: 's1_x' }), 400, 'M_INVALID_PARAM');
    expectError(await sync(bob, { timeout: 'soon' }), 400, 'M_INVALID_PARAM');
    expectError(await sync(bob, { timeout: '-5' }), 400, 'M_INVALID_PARAM');
    expectError(await sync(bob, { filter: '{not json' }), 400, 'M_INVALID_PARAM');
    expectError(
      await sync(bob, { filter: JSON.stringify({ room: { timeline: { limit: 'ten' } } }) }),
      400,
      'M_INVALID_PARAM',
    );
    expectError(await sync(bob, { filter: '987654' }), 404, 'M_NOT_FOUND');
    expectError(await sync(bob, { full_state: 'maybe' }), 400, 'M_INVALID_PARAM');
    expectError(await sync(bob, { set_presence: 'busy' }), 400, 'M_INVALID_PARAM');
    expectError(
      await server.request('GET', `${V3}/sync?since=s1&since=s2`, { token: bob.token }),
      400,
      'M_INVALID_PARAM',
    );
    const noAuth = await server.request('GET', `${V3}/sync`);
    expectError(noAuth, 401, 'M_MISSING_TOKEN');
    // A timeout above the cap is clamped, not refused (data is waiting, so it returns at once).
    const roomId = await sharedRoom();
    const since = (await syncOk(bob))['next_batch'] as string;
    await sendText(server, alice, roomId, 'x');
    expect((await sync(bob, { since, timeout: '999999999' })).status).toBe(200);
  });

  it('a token from ahead of the server waits briefly and answers with no data', async () => {
    const current = (await syncOk(bob))['next_batch'] as string;
    const parts = current.split('_');
    parts[0] = 's999999999';
    const future = parts.join('_');
    const res = await syncOk(bob, { since: future, timeout: '0' });
    expect(res['next_batch']).toBe(future);
    expect(res['rooms']).toBeUndefined();
  });

  it('a typing position from before a restart counts as the start', async () => {
    const roomId = await sharedRoom();
    await server.request('PUT', roomPath(roomId, `typing/${encodeURIComponent(alice.userId)}`), {
      token: alice.token,
      body: { typing: true, timeout: 30000 },
    });
    const current = (await syncOk(bob))['next_batch'] as string;
    const parts = current.split('_');
    parts[2] = '99999';
    const res = await syncOk(bob, { since: parts.join('_'), timeout: '10000' });
    const ephemeral = (joined(res, roomId)['ephemeral'] as Json)['events'] as Json[];
    expect(ephemeral).toContainEqual({ type: 'm.typing', content: { user_ids: [alice.userId] } });
  });

  it('legacy /events and /initialSync', async () => {
    const roomId = await sharedRoom();
    const initial = await server.request('GET', `${V3}/initialSync?limit=2`, { token: bob.token });
    expect(initial.status).toBe(200);
    const room = (initial.body['rooms'] as Json[]).find((r) => r['room_id'] === roomId) as Json;
    expect(room['membership']).toBe('join');
    expect(((room['state'] as Json[]) ?? []).some((e) => e['type'] === 'm.room.create')).toBe(true);
    const from = initial.body['end'] as string;
    const poll = server.request(
      'GET',
      `${V3}/events?from=${encodeURIComponent(from)}&timeout=20000`,
      {
        token: bob.token,
      },
    );
    const eventId = await sendText(server, alice, roomId, 'legacy');
    const events = await poll;
    expect(events.status).toBe(200);
    expect((events.body['chunk'] as Json[]).map((e) => e['event_id'])).toContain(eventId);
    expect((events.body['chunk'] as Json[]).every((e) => typeof e['room_id'] === 'string')).toBe(
      true,
    );
    expectError(
      await server.request('GET', `${V3}/events?from=nope`, { token: bob.token }),
      400,
      'M_INVALID_PARAM',
    );
  });
});
