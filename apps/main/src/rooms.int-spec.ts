import { V3, expectError } from './accounts.test-helper';
import {
  createRoom,
  invite,
  join,
  roomPath,
  sendMessage,
  sendText,
  type TestUser,
} from './rooms.test-helper';
import { ENGINES, TestServer } from './test-server.test-helper';

describe.each(ENGINES)('rooms (%s)', (engine) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  beforeAll(async () => {
    server = await TestServer.start(engine);
    alice = await server.register('alice');
    bob = await server.register('bob');
    carol = await server.register('carol');
  });
  afterAll(() => server?.stop());

  const get = (user: TestUser, path: string) => server.request('GET', path, { token: user.token });

  describe('createRoom', () => {
    it('creates a version 12 room by default with the preset, name, topic and alias', async () => {
      const roomId = await createRoom(server, alice, {
        preset: 'public_chat',
        name: 'Lobby',
        topic: 'Say hi',
        room_alias_name: `lobby-${engine}`,
      });
      expect(roomId).toMatch(/^![A-Za-z0-9_-]{43}$/);
      const state = await get(alice, roomPath(roomId, 'state'));
      expect(state.status).toBe(200);
      const byType = new Map(
        (state.body as unknown as Array<Record<string, unknown>>).map((e) => [e['type'], e]),
      );
      expect(byType.get('m.room.create')).toMatchObject({
        content: { room_version: '12' },
        sender: alice.userId,
      });
      expect((byType.get('m.room.create') as Record<string, unknown>)['room_id']).toBe(roomId);
      expect(byType.get('m.room.join_rules')).toMatchObject({ content: { join_rule: 'public' } });
      expect(byType.get('m.room.history_visibility')).toMatchObject({
        content: { history_visibility: 'shared' },
      });
      expect(byType.get('m.room.name')).toMatchObject({ content: { name: 'Lobby' } });
      expect(byType.get('m.room.topic')).toMatchObject({ content: { topic: 'Say hi' } });
      expect(byType.get('m.room.canonical_alias')).toMatchObject({
        content: { alias: `#lobby-${engine}:localhost` },
      });
      const pl = byType.get('m.room.power_levels') as { content: Record<string, unknown> };
      // v12: creators have infinite power and may not appear in users.
      expect(pl.content['users']).toEqual({});
      expect((pl.content['events'] as Record<string, number>)['m.room.tombstone']).toBe(150);
      const resolved = await server.request(
        'GET',
        `${V3}/directory/room/${encodeURIComponent(`#lobby-${engine}:localhost`)}`,
      );
      expect(resolved).toMatchObject({ status: 200, body: { room_id: roomId } });
    });

    it('creates every supported version and refuses unknown ones', async () => {
      for (const version of ['6', '7', '8', '9', '10', '11', '12']) {
        const roomId = await createRoom(server, alice, { room_version: version });
        const create = await get(alice, roomPath(roomId, 'state/m.room.create/'));
        expect(create.body).toMatchObject({ room_version: version });
        if (version !== '12') expect(roomId).toMatch(/^![A-Za-z0-9]+:localhost$/);
      }
      const refused = await server.request('POST', `${V3}/createRoom`, {
        token: alice.token,
        body: { room_version: '99' },
      });
      expectError(refused, 400, 'M_UNSUPPORTED_ROOM_VERSION');
    });

    it('applies initial_state, power_level_content_override and invites with is_direct', async () => {
      const roomId = await createRoom(server, alice, {
        invite: [bob.userId],
        is_direct: true,
        initial_state: [
          { type: 'm.room.history_visibility', content: { history_visibility: 'joined' } },
          { type: 'org.example.custom', state_key: 'k', content: { x: 1 } },
        ],
        power_level_content_override: { events_default: 10 },
      });
      const hv = await get(alice, roomPath(roomId, 'state/m.room.history_visibility/'));
      expect(hv.body).toEqual({ history_visibility: 'joined' });
      expect((await get(alice, roomPath(roomId, 'state/org.example.custom/k'))).body).toEqual({
        x: 1,
      });
      const pl = await get(alice, roomPath(roomId, 'state/m.room.power_levels/'));
      expect(pl.body['events_default']).toBe(10);
      const member = await get(
        alice,
        roomPath(roomId, `state/m.room.member/${encodeURIComponent(bob.userId)}`),
      );
      expect(member.body).toMatchObject({ membership: 'invite', is_direct: true });
    });

    it('refuses a taken alias with M_ROOM_IN_USE', async () => {
      await createRoom(server, alice, { room_alias_name: `taken-${engine}` });
      const again = await server.request('POST', `${V3}/createRoom`, {
        token: bob.token,
        body: { room_alias_name: `taken-${engine}` },
      });
      expectError(again, 400, 'M_ROOM_IN_USE');
    });
  });

  describe('membership', () => {
    it('invites, joins, leaves, kicks, bans and unbans, with the auth rules deciding', async () => {
      const roomId = await createRoom(server, alice, { preset: 'private_chat' });
      expectError(await join(server, bob, roomId), 403, 'M_FORBIDDEN');
      expect((await invite(server, alice, roomId, bob.userId)).status).toBe(200);
      expect(await join(server, bob, roomId)).toMatchObject({
        status: 200,
        body: { room_id: roomId },
      });
      expect((await get(bob, `${V3}/joined_rooms`)).body['joined_rooms']).toContain(roomId);

      // Bob (power 0) may not kick Alice.
      const kick = await server.request('POST', roomPath(roomId, 'kick'), {
        token: bob.token,
        body: { user_id: alice.userId },
      });
      expectError(kick, 403, 'M_FORBIDDEN');
      expect(kick.body['error']).toMatch(/auth rule member\.leave\.insufficient_power/);

      const ban = await server.request('POST', roomPath(roomId, 'ban'), {
        token: alice.token,
        body: { user_id: bob.userId, reason: 'spam' },
      });
      expect(ban.status).toBe(200);
      expect(
        (
          await get(
            alice,
            roomPath(roomId, `state/m.room.member/${encodeURIComponent(bob.userId)}`),
          )
        ).body,
      ).toEqual({
        membership: 'ban',
        reason: 'spam',
      });
      expectError(await invite(server, alice, roomId, bob.userId), 403, 'M_FORBIDDEN');
      const unban = await server.request('POST', roomPath(roomId, 'unban'), {
        token: alice.token,
        body: { user_id: bob.userId },
      });
      expect(unban.status).toBe(200);
      const unbanAgain = await server.request('POST', roomPath(roomId, 'unban'), {
        token: alice.token,
        body: { user_id: bob.userId },
      });
      expect(unbanAgain.status).toBe(403);
      expect((await invite(server, alice, roomId, bob.userId)).status).toBe(200);
      expect((await join(server, bob, roomId)).status).toBe(200);
      const kicked = await server.request('POST', roomPath(roomId, 'kick'), {
        token: alice.token,
        body: { user_id: bob.userId },
      });
      expect(kicked.status).toBe(200);
      expect((await get(bob, `${V3}/joined_rooms`)).body['joined_rooms']).not.toContain(roomId);
    });

    it('joins public rooms by alias, leaves, and forgets only after leaving', async () => {
      const alias = `#public-${engine}:localhost`;
      const roomId = await createRoom(server, alice, {
        preset: 'public_chat',
        room_alias_name: `public-${engine}`,
      });
      const joined = await server.request('POST', `${V3}/join/${encodeURIComponent(alias)}`, {
        token: carol.token,
        body: {},
      });
      expect(joined).toMatchObject({ status: 200, body: { room_id: roomId } });
      expectError(
        await server.request('POST', roomPath(roomId, 'forget'), { token: carol.token, body: {} }),
        400,
        'M_UNKNOWN',
      );
      expect(
        (await server.request('POST', roomPath(roomId, 'leave'), { token: carol.token, body: {} }))
          .status,
      ).toBe(200);
      expect(
        (await server.request('POST', roomPath(roomId, 'forget'), { token: carol.token, body: {} }))
          .status,
      ).toBe(200);
      expectError(
        await server.request('POST', `${V3}/join/${encodeURIComponent('#nowhere:localhost')}`, {
          token: carol.token,
          body: {},
        }),
        404,
        'M_NOT_FOUND',
      );
    });

    it('knocks on knock rooms (v7+) and refuses knocks elsewhere', async () => {
      const roomId = await createRoom(server, alice, {
        initial_state: [{ type: 'm.room.join_rules', content: { join_rule: 'knock' } }],
      });
      const knock = await server.request('POST', `${V3}/knock/${encodeURIComponent(roomId)}`, {
        token: carol.token,
        body: { reason: 'let me in' },
      });
      expect(knock).toMatchObject({ status: 200, body: { room_id: roomId } });
      const members = await get(alice, roomPath(roomId, 'members?membership=knock'));
      expect(
        (members.body['chunk'] as Array<{ state_key: string }>).map((m) => m.state_key),
      ).toEqual([carol.userId]);
      const closed = await createRoom(server, alice, { preset: 'private_chat' });
      const refused = await server.request('POST', `${V3}/knock/${encodeURIComponent(closed)}`, {
        token: carol.token,
        body: {},
      });
      expectError(refused, 403, 'M_FORBIDDEN');
    });
  });

  describe('events', () => {
    let roomId: string;
    beforeAll(async () => {
      roomId = await createRoom(server, alice, { preset: 'public_chat' });
      await join(server, bob, roomId);
    });

    it('sends idempotently per transaction id and device', async () => {
      const path = roomPath(roomId, 'send/m.room.message/same-txn');
      const first = await server.request('PUT', path, {
        token: alice.token,
        body: { msgtype: 'm.text', body: 'once' },
      });
      const again = await server.request('PUT', path, {
        token: alice.token,
        body: { msgtype: 'm.text', body: 'once' },
      });
      expect(first.status).toBe(200);
      expect(again.body['event_id']).toBe(first.body['event_id']);
      const otherDevice = await server.login('alice');
      const third = await server.request('PUT', path, {
        token: otherDevice.token,
        body: { msgtype: 'm.text', body: 'once' },
      });
      expect(third.body['event_id']).not.toBe(first.body['event_id']);
      const event = await get(
        bob,
        roomPath(roomId, `event/${encodeURIComponent(first.body['event_id'] as string)}`),
      );
      expect(event).toMatchObject({
        status: 200,
        body: {
          type: 'm.room.message',
          sender: alice.userId,
          content: { body: 'once' },
          room_id: roomId,
        },
      });
    });

    it('puts and gets state, returning the current event for an unchanged repeat', async () => {
      const put = await server.request('PUT', roomPath(roomId, 'state/m.room.topic/'), {
        token: alice.token,
        body: { topic: 'first' },
      });
      const same = await server.request('PUT', roomPath(roomId, 'state/m.room.topic/'), {
        token: alice.token,
        body: { topic: 'first' },
      });
      expect(same.body['event_id']).toBe(put.body['event_id']);
      // (`?format=event` is not checked here: its response schema is a oneOf that any full event
      // matches twice, so no answer can validate against the spec.)
      const state = (await get(bob, roomPath(roomId, 'state'))).body as unknown as Array<
        Record<string, unknown>
      >;
      expect(state.find((e) => e['type'] === 'm.room.topic')).toMatchObject({
        event_id: put.body['event_id'],
        content: { topic: 'first' },
      });
      const denied = await server.request('PUT', roomPath(roomId, 'state/m.room.topic/'), {
        token: bob.token,
        body: { topic: 'bob was here' },
      });
      expectError(denied, 403, 'M_FORBIDDEN');
      expectError(await get(bob, roomPath(roomId, 'state/m.room.nothing/')), 404, 'M_NOT_FOUND');
    });

    it('paginates /messages both ways without gaps or duplicates, with filters', async () => {
      const room = await createRoom(server, alice, { preset: 'public_chat' });
      await join(server, bob, room);
      const sent: string[] = [];
      for (let i = 0; i < 25; i++)
        sent.push(await sendText(server, i % 2 ? bob : alice, room, `m${i}`));
      await sendMessage(server, alice, room, {
        url: 'mxc://localhost/x',
        msgtype: 'm.image',
        body: 'pic',
      });

      const back: string[] = [];
      let from: string | undefined;
      for (;;) {
        const filter = encodeURIComponent(JSON.stringify({ types: ['m.room.message'] }));
        const page = await get(
          alice,
          roomPath(room, `messages?dir=b&limit=7&filter=${filter}${from ? `&from=${from}` : ''}`),
        );
        expect(page.status).toBe(200);
        back.push(...(page.body['chunk'] as Array<{ event_id: string }>).map((e) => e.event_id));
        if (!page.body['end']) break;
        from = page.body['end'] as string;
      }
      expect(back.slice(1).reverse()).toEqual(sent);

      const forward: string[] = [];
      from = undefined;
      for (;;) {
        const page = await get(
          alice,
          roomPath(room, `messages?dir=f&limit=9${from ? `&from=${from}` : ''}`),
        );
        forward.push(
          ...(page.body['chunk'] as Array<{ event_id: string; type: string }>)
            .filter((e) => e.type === 'm.room.message')
            .map((e) => e.event_id),
        );
        if (!page.body['end']) break;
        from = page.body['end'] as string;
      }
      expect(forward.slice(0, 25)).toEqual(sent);

      const bobOnly = encodeURIComponent(
        JSON.stringify({ senders: [bob.userId], lazy_load_members: true }),
      );
      const bobs = await get(alice, roomPath(room, `messages?dir=b&limit=50&filter=${bobOnly}`));
      const chunk = bobs.body['chunk'] as Array<{ sender: string }>;
      expect(chunk.length).toBeGreaterThan(0);
      expect(chunk.every((e) => e.sender === bob.userId)).toBe(true);
      expect((bobs.body['state'] as Array<{ state_key: string }>).map((e) => e.state_key)).toEqual([
        bob.userId,
      ]);
      const withUrl = encodeURIComponent(JSON.stringify({ contains_url: true }));
      const urls = await get(alice, roomPath(room, `messages?dir=b&filter=${withUrl}`));
      expect(
        (urls.body['chunk'] as Array<{ content: { body: string } }>).map((e) => e.content.body),
      ).toEqual(['pic']);
      const notMessages = encodeURIComponent(JSON.stringify({ not_types: ['m.room.*'] }));
      expect(
        (await get(alice, roomPath(room, `messages?dir=b&filter=${notMessages}`))).body['chunk'],
      ).toEqual([]);

      const middle = sent[12];
      const context = await get(
        alice,
        roomPath(room, `context/${encodeURIComponent(middle)}?limit=4`),
      );
      expect(context.status).toBe(200);
      expect((context.body['event'] as { event_id: string }).event_id).toBe(middle);
      expect(
        (context.body['events_before'] as Array<{ event_id: string }>).map((e) => e.event_id),
      ).toEqual([sent[11], sent[10]]);
      expect(
        (context.body['events_after'] as Array<{ event_id: string }>).map((e) => e.event_id),
      ).toEqual([sent[13], sent[14]]);
      const after = await get(
        alice,
        roomPath(room, `messages?dir=f&limit=2&from=${context.body['end'] as string}`),
      );
      expect((after.body['chunk'] as Array<{ event_id: string }>).map((e) => e.event_id)).toEqual([
        sent[15],
        sent[16],
      ]);
    });

    it('redacts: content is stripped and redacted_because is set; others need the redact level', async () => {
      const target = await sendText(server, bob, roomId, 'oops');
      const mine = await sendText(server, alice, roomId, 'mine');
      const denied = await server.request(
        'PUT',
        roomPath(roomId, `redact/${encodeURIComponent(mine)}/r1`),
        {
          token: bob.token,
          body: {},
        },
      );
      expectError(denied, 403, 'M_FORBIDDEN');
      const redaction = await server.request(
        'PUT',
        roomPath(roomId, `redact/${encodeURIComponent(target)}/r2`),
        {
          token: alice.token,
          body: { reason: 'cleanup' },
        },
      );
      expect(redaction.status).toBe(200);
      const event = await get(bob, roomPath(roomId, `event/${encodeURIComponent(target)}`));
      expect(event.body['content']).toEqual({});
      expect(event.body['unsigned']).toMatchObject({
        redacted_because: {
          event_id: redaction.body['event_id'],
          type: 'm.room.redaction',
          redacts: target,
        },
      });
    });

    it('shows a history-visibility change under the more permissive of its two settings', async () => {
      const room = await createRoom(server, alice, { preset: 'public_chat' });
      const change = await server.request(
        'PUT',
        roomPath(room, 'state/m.room.history_visibility/'),
        {
          token: alice.token,
          body: { history_visibility: 'joined' },
        },
      );
      const hidden = await sendText(server, alice, room, 'before bob');
      await join(server, bob, room);
      const page = await get(bob, roomPath(room, 'messages?dir=b&limit=50'));
      const ids = (page.body['chunk'] as Array<{ event_id: string }>).map((e) => e.event_id);
      // Sent under `shared` → `joined`: readable as `shared` by a current member.
      expect(ids).toContain(change.body['event_id']);
      expect(ids).not.toContain(hidden);
    });

    it('answers members as they were at a pagination token', async () => {
      const room = await createRoom(server, alice, { preset: 'public_chat' });
      await sendText(server, alice, room, 'before bob');
      const before = await get(alice, roomPath(room, 'messages?dir=b&limit=1'));
      const token = before.body['start'] as string;
      await join(server, bob, room);
      const now = await get(alice, roomPath(room, 'members'));
      const then = await get(alice, roomPath(room, `members?at=${encodeURIComponent(token)}`));
      const ids = (res: typeof now) =>
        (res.body['chunk'] as Array<{ state_key: string }>).map((m) => m.state_key).sort();
      expect(ids(now)).toEqual([alice.userId, bob.userId].sort());
      expect(ids(then)).toEqual([alice.userId]);
      const notBob = encodeURIComponent(JSON.stringify({ not_senders: [bob.userId] }));
      const page = await get(alice, roomPath(room, `messages?dir=b&filter=${notBob}`));
      expect(
        (page.body['chunk'] as Array<{ sender: string }>).every((e) => e.sender !== bob.userId),
      ).toBe(true);
      // `to` stops the walk: forward from the start up to the token sees nothing after it.
      const upTo = await get(
        alice,
        roomPath(room, `messages?dir=f&to=${encodeURIComponent(token)}&limit=50`),
      );
      expect(
        (upTo.body['chunk'] as Array<{ state_key?: string }>).some(
          (e) => e.state_key === bob.userId,
        ),
      ).toBe(false);
    });

    it('lists members with filters and joined members with profiles', async () => {
      const members = await get(alice, roomPath(roomId, 'members?not_membership=leave'));
      expect(
        (members.body['chunk'] as Array<{ state_key: string }>).map((m) => m.state_key).sort(),
      ).toEqual([alice.userId, bob.userId].sort());
      const joined = await get(bob, roomPath(roomId, 'joined_members'));
      expect(joined.body['joined']).toEqual({
        [alice.userId]: { display_name: 'alice' },
        [bob.userId]: { display_name: 'bob' },
      });
      expectError(await get(carol, roomPath(roomId, 'joined_members')), 403, 'M_FORBIDDEN');
    });

    it('re-sends memberships when a profile changes', async () => {
      const room = await createRoom(server, carol, { preset: 'public_chat' });
      const path = `${V3}/profile/${encodeURIComponent(carol.userId)}/displayname`;
      const put = await server.request('PUT', path, {
        token: carol.token,
        body: { displayname: 'Carol C.' },
      });
      expect(put.status).toBe(200);
      const joined = await get(carol, roomPath(room, 'joined_members'));
      expect(joined.body['joined']).toEqual({ [carol.userId]: { display_name: 'Carol C.' } });
    });

    it('serves relations, threads and timestamp_to_event', async () => {
      const root = await sendText(server, alice, roomId, 'thread root');
      const reply = await sendMessage(server, bob, roomId, {
        msgtype: 'm.text',
        body: 'in thread',
        'm.relates_to': { rel_type: 'm.thread', event_id: root },
      });
      const reaction = await sendMessage(
        server,
        bob,
        roomId,
        { 'm.relates_to': { rel_type: 'm.annotation', event_id: root, key: '👍' } },
        'm.reaction',
      );
      const v1 = `/chat/client/v1/rooms/${encodeURIComponent(roomId)}`;
      const all = await get(alice, `${v1}/relations/${encodeURIComponent(root)}`);
      expect((all.body['chunk'] as Array<{ event_id: string }>).map((e) => e.event_id)).toEqual([
        reaction.body['event_id'],
        reply.body['event_id'],
      ]);
      const first = await get(alice, `${v1}/relations/${encodeURIComponent(root)}?limit=1`);
      expect(first.body['chunk']).toEqual([
        expect.objectContaining({ event_id: reaction.body['event_id'] }),
      ]);
      const next = first.body['next_batch'] as string;
      const second = await get(
        alice,
        `${v1}/relations/${encodeURIComponent(root)}?limit=1&from=${next}`,
      );
      expect(second.body['chunk']).toEqual([
        expect.objectContaining({ event_id: reply.body['event_id'] }),
      ]);
      // `to` stops the walk (inclusive): forward up to the reply leaves the later reaction out.
      const replyToken = second.body['next_batch'] as string;
      const bounded = await get(
        alice,
        `${v1}/relations/${encodeURIComponent(root)}?dir=f&to=${replyToken}`,
      );
      expect((bounded.body['chunk'] as Array<{ event_id: string }>).map((e) => e.event_id)).toEqual(
        [reply.body['event_id']],
      );
      expectError(
        await get(alice, `${v1}/relations/${encodeURIComponent(root)}?from=x`),
        400,
        'M_INVALID_PARAM',
      );
      const threadOnly = await get(alice, `${v1}/relations/${encodeURIComponent(root)}/m.thread`);
      expect(
        (threadOnly.body['chunk'] as Array<{ event_id: string }>).map((e) => e.event_id),
      ).toEqual([reply.body['event_id']]);
      const typed = await get(
        alice,
        `${v1}/relations/${encodeURIComponent(root)}/m.annotation/m.reaction`,
      );
      expect(typed.body['chunk']).toHaveLength(1);
      const threads = await get(alice, `${v1}/threads`);
      const roots = threads.body['chunk'] as Array<{
        event_id: string;
        unsigned: Record<string, unknown>;
      }>;
      expect(roots[0].event_id).toBe(root);
      expect(roots[0].unsigned['m.relations']).toMatchObject({
        'm.thread': { count: 1, current_user_participated: true },
      });
      const participated = await get(bob, `${v1}/threads?include=participated`);
      expect((participated.body['chunk'] as Array<{ event_id: string }>)[0].event_id).toBe(root);
      expectError(await get(carol, `${v1}/threads`), 403, 'M_FORBIDDEN');
      const ts = await get(alice, `${v1}/timestamp_to_event?ts=0&dir=f`);
      expect(ts.status).toBe(200);
      const state = (await get(alice, roomPath(roomId, 'state'))).body as unknown as Array<
        Record<string, unknown>
      >;
      const create = state.find((e) => e['type'] === 'm.room.create');
      expect(ts.body['event_id']).toBe(create?.['event_id']);
      expectError(
        await get(alice, `${v1}/timestamp_to_event?ts=${Date.now() + 3_600_000}&dir=f`),
        404,
        'M_NOT_FOUND',
      );
    });

    it('answers room initialSync and the alias list', async () => {
      const sync = await get(alice, roomPath(roomId, 'initialSync'));
      expect(sync).toMatchObject({ status: 200, body: { room_id: roomId, membership: 'join' } });
      expect(Array.isArray((sync.body['messages'] as { chunk: unknown[] }).chunk)).toBe(true);
      const alias = `#events-${engine}:localhost`;
      expect(
        (
          await server.request('PUT', `${V3}/directory/room/${encodeURIComponent(alias)}`, {
            token: alice.token,
            body: { room_id: roomId },
          })
        ).status,
      ).toBe(200);
      expect((await get(bob, roomPath(roomId, 'aliases'))).body).toEqual({ aliases: [alias] });
      expectError(
        await server.request('DELETE', `${V3}/directory/room/${encodeURIComponent(alias)}`, {
          token: bob.token,
        }),
        403,
        'M_FORBIDDEN',
      );
      expect(
        (
          await server.request('DELETE', `${V3}/directory/room/${encodeURIComponent(alias)}`, {
            token: alice.token,
          })
        ).status,
      ).toBe(200);
      expectError(
        await server.request('GET', `${V3}/directory/room/${encodeURIComponent(alias)}`),
        404,
        'M_NOT_FOUND',
      );
    });
  });
});
