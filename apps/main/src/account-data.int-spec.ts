import { V3, expectError } from './accounts.test-helper';
import { createRoom, type TestUser } from './rooms.test-helper';
import { ENGINES, TestServer } from './test-server.test-helper';

describe.each(ENGINES)('account data and tags (%s)', (engine) => {
  let server: TestServer;
  let me: TestUser;
  let other: TestUser;
  let roomId: string;

  beforeAll(async () => {
    server = await TestServer.start(engine);
    me = await server.register('keeper');
    other = await server.register('peeker');
    roomId = await createRoom(server, me);
  });
  afterAll(() => server?.stop());

  const user = (userId: string) => `${V3}/user/${encodeURIComponent(userId)}`;
  const room = (userId: string) => `${user(userId)}/rooms/${encodeURIComponent(roomId)}`;

  it('stores global and per-room account data separately and replaces it on PUT', async () => {
    const put = (path: string, body: Record<string, unknown>) =>
      server.request('PUT', path, { token: me.token, body });
    expect((await put(`${user(me.userId)}/account_data/org.example.prefs`, { a: 1 })).status).toBe(
      200,
    );
    expect((await put(`${room(me.userId)}/account_data/org.example.prefs`, { r: 2 })).status).toBe(
      200,
    );
    await put(`${user(me.userId)}/account_data/org.example.prefs`, { a: 3 });
    const get = (path: string) => server.request('GET', path, { token: me.token });
    expect((await get(`${user(me.userId)}/account_data/org.example.prefs`)).body).toEqual({ a: 3 });
    expect((await get(`${room(me.userId)}/account_data/org.example.prefs`)).body).toEqual({ r: 2 });
    expectError(await get(`${user(me.userId)}/account_data/org.example.none`), 404, 'M_NOT_FOUND');
  });

  it('refuses other users, server-managed types and malformed ids', async () => {
    expectError(
      await server.request('GET', `${user(me.userId)}/account_data/org.example.prefs`, {
        token: other.token,
      }),
      403,
      'M_FORBIDDEN',
    );
    expectError(
      await server.request('PUT', `${room(me.userId)}/account_data/m.fully_read`, {
        token: me.token,
        body: { event_id: '$x' },
      }),
      400,
      'M_BAD_JSON',
    );
    expectError(
      await server.request('GET', `${user(me.userId)}/rooms/not-a-room/account_data/x`, {
        token: me.token,
      }),
      400,
      'M_INVALID_PARAM',
    );
  });

  it('adds, lists and removes room tags', async () => {
    const tags = `${room(me.userId)}/tags`;
    expect((await server.request('GET', tags, { token: me.token })).body).toEqual({ tags: {} });
    await server.request('PUT', `${tags}/m.favourite`, { token: me.token, body: { order: 0.25 } });
    await server.request('PUT', `${tags}/u.work`, { token: me.token, body: {} });
    expect((await server.request('GET', tags, { token: me.token })).body).toEqual({
      tags: { 'm.favourite': { order: 0.25 }, 'u.work': {} },
    });
    await server.request('DELETE', `${tags}/u.work`, { token: me.token });
    expect((await server.request('GET', tags, { token: me.token })).body).toEqual({
      tags: { 'm.favourite': { order: 0.25 } },
    });
    expectError(
      await server.request('PUT', `${tags}/m.lowpriority`, {
        token: me.token,
        body: { order: 'first' },
      }),
      400,
      'M_BAD_JSON',
    );
    expectError(
      await server.request('GET', `${room(other.userId)}/tags`, {
        token: me.token,
      }),
      403,
      'M_FORBIDDEN',
    );
  });
});
