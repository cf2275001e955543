import { PushActionStore, type UnreadCounts } from '@chat/storage';

import { V3 } from './accounts.test-helper';
import {
  createRoom,
  join,
  roomPath,
  sendMessage,
  sendText,
  type TestUser,
} from './rooms.test-helper';
import { ENGINES, TestServer } from './test-server.test-helper';

describe.each(ENGINES)('unread notification counts (%s)', (engine) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let muted: TestUser;
  let quiet: TestUser;
  let roomId: string;

  beforeAll(async () => {
    server = await TestServer.start(engine);
    [alice, bob, muted, quiet] = await Promise.all(
      ['alice', 'bob', 'muted', 'quiet'].map((name) => server.register(name)),
    );
    // Bob's member event carries this name, which the display-name rule looks for.
    await server.request('PUT', `${V3}/profile/${encodeURIComponent(bob.userId)}/displayname`, {
      token: bob.token,
      body: { displayname: 'Bob Builder' },
    });
    roomId = await createRoom(server, alice, { preset: 'public_chat' });
    for (const user of [bob, muted, quiet])
      expect((await join(server, user, roomId)).status).toBe(200);
    // One user mutes everything with the master rule; the other with a catch-all override
    // whose only action is the legacy `dont_notify`.
    const rules = `${V3}/pushrules/global/override`;
    expect(
      (
        await server.request('PUT', `${rules}/.m.rule.master/enabled`, {
          token: muted.token,
          body: { enabled: true },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await server.request('PUT', `${rules}/silence`, {
          token: quiet.token,
          body: { actions: ['dont_notify'], conditions: [] },
        })
      ).status,
    ).toBe(200);
  });
  afterAll(() => server?.stop());

  async function counts(user: TestUser, rooms = [roomId]): Promise<Map<string, UnreadCounts>> {
    return server.http.app.get(PushActionStore).getUnreadCounts(user.userId, rooms);
  }

  async function countsIn(user: TestUser): Promise<UnreadCounts | undefined> {
    return (await counts(user)).get(roomId);
  }

  async function receipt(user: TestUser, type: string, eventId: string, body = {}): Promise<void> {
    const res = await server.request(
      'POST',
      roomPath(roomId, `receipt/${type}/${encodeURIComponent(eventId)}`),
      { token: user.token, body },
    );
    expect(res.status).toBe(200);
  }

  async function syncedCounts(user: TestUser): Promise<unknown> {
    const res = await server.request('GET', `${V3}/sync`, { token: user.token });
    expect(res.status).toBe(200);
    const rooms = res.body['rooms'] as { join: Record<string, Record<string, unknown>> };
    return rooms.join[roomId]['unread_notifications'];
  }

  let mention: string;
  let bye: string;

  it('counts other members’ notifying events and highlights a display-name mention', async () => {
    await sendText(server, alice, roomId, 'hello');
    mention = await sendText(server, alice, roomId, 'ping Bob Builder');
    bye = await sendText(server, alice, roomId, 'bye');

    expect(await countsIn(bob)).toEqual({ notifications: 3, highlights: 1 });
    expect(await syncedCounts(bob)).toEqual({ notification_count: 3, highlight_count: 1 });
    expect(await countsIn(alice)).toEqual({ notifications: 0, highlights: 0 });
  });

  it('gives nothing to a user whose rules say not to notify', async () => {
    expect(await countsIn(muted)).toEqual({ notifications: 0, highlights: 0 });
    expect(await countsIn(quiet)).toEqual({ notifications: 0, highlights: 0 });
  });

  it('counts only events after the read receipt, never the user’s own', async () => {
    await receipt(bob, 'm.read', mention);
    expect(await countsIn(bob)).toEqual({ notifications: 1, highlights: 0 });

    await sendText(server, bob, roomId, 'hi all');
    expect(await countsIn(bob)).toEqual({ notifications: 1, highlights: 0 });
    expect(await countsIn(alice)).toEqual({ notifications: 1, highlights: 0 });
    expect(await syncedCounts(bob)).toEqual({ notification_count: 1, highlight_count: 0 });
  });

  it('lets a threaded receipt cover its thread only, and a private one everything', async () => {
    const reply = await sendMessage(server, alice, roomId, {
      msgtype: 'm.text',
      body: 'in thread',
      'm.relates_to': { rel_type: 'm.thread', event_id: bye },
    });
    const main = await sendText(server, alice, roomId, 'main again');
    // bye, the thread reply and the main message.
    expect(await countsIn(bob)).toEqual({ notifications: 3, highlights: 0 });

    await receipt(bob, 'm.read', reply.body['event_id'] as string, { thread_id: bye });
    expect(await countsIn(bob)).toEqual({ notifications: 2, highlights: 0 });

    await receipt(bob, 'm.read.private', main);
    expect(await countsIn(bob)).toEqual({ notifications: 0, highlights: 0 });
  });

  it('answers zeros for rooms without unread events', async () => {
    const other = await createRoom(server, alice);
    expect(await counts(bob, [roomId, other])).toEqual(
      new Map([
        [roomId, { notifications: 0, highlights: 0 }],
        [other, { notifications: 0, highlights: 0 }],
      ]),
    );
  });
});
