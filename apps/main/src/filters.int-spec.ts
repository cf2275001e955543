import { V3, expectError } from './accounts.test-helper';
import { ENGINES, TestServer } from './test-server.test-helper';

describe.each(ENGINES)('filters (%s)', (engine) => {
  let server: TestServer;
  let me: { userId: string; token: string };
  let other: { userId: string; token: string };

  beforeAll(async () => {
    server = await TestServer.start(engine);
    me = await server.register('filterer');
    other = await server.register('snoop');
  });
  afterAll(() => server?.stop());

  const path = (userId: string, rest = '') =>
    `${V3}/user/${encodeURIComponent(userId)}/filter${rest}`;

  it('stores filters with increasing ids and returns them as validated', async () => {
    const filter = {
      room: {
        timeline: { limit: 5, types: ['m.room.message'] },
        state: { lazy_load_members: true },
      },
      event_format: 'client',
    };
    const first = await server.request('POST', path(me.userId), { token: me.token, body: filter });
    const second = await server.request('POST', path(me.userId), { token: me.token, body: {} });
    expect(first.status).toBe(200);
    expect(Number(second.body['filter_id'])).toBeGreaterThan(Number(first.body['filter_id']));
    const read = await server.request(
      'GET',
      path(me.userId, `/${first.body['filter_id'] as string}`),
      {
        token: me.token,
      },
    );
    expect(read).toMatchObject({ status: 200, body: filter });
  });

  it('keeps filters private to their owner', async () => {
    const created = await server.request('POST', path(me.userId), { token: me.token, body: {} });
    const id = created.body['filter_id'] as string;
    expectError(
      await server.request('GET', path(me.userId, `/${id}`), { token: other.token }),
      403,
      'M_FORBIDDEN',
    );
    expectError(
      await server.request('POST', path(me.userId), { token: other.token, body: {} }),
      403,
      'M_FORBIDDEN',
    );
    // The other user's own filter ids are a separate sequence.
    expectError(
      await server.request('GET', path(other.userId, `/${id}`), { token: other.token }),
      404,
      'M_NOT_FOUND',
    );
  });

  it('answers bad input with Matrix errors', async () => {
    expectError(
      await server.request('POST', path(me.userId), {
        token: me.token,
        body: { room: { timeline: { limit: -1 } } },
      }),
      400,
      'M_BAD_JSON',
    );
    expectError(
      await server.request('POST', path(me.userId), { token: me.token, body: '{' }),
      400,
      'M_NOT_JSON',
    );
    expectError(
      await server.request('GET', path(me.userId, '/abc'), { token: me.token }),
      400,
      'M_INVALID_PARAM',
    );
    expectError(
      await server.request('GET', path(me.userId, '/999999'), { token: me.token }),
      404,
      'M_NOT_FOUND',
    );
    expectError(
      await server.request('GET', path('not-a-user', '/0'), { token: me.token }),
      400,
      'M_INVALID_PARAM',
    );
    expectError(
      await server.request('POST', path(me.userId), { body: {} }),
      401,
      'M_MISSING_TOKEN',
    );
  });
});
