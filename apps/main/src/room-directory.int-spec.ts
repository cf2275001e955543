import { V3, expectError } from './accounts.test-helper';
import { createRoom, join, type TestUser } from './rooms.test-helper';
import { ENGINES, TestServer } from './test-server.test-helper';

describe.each(ENGINES)('published room directory (%s)', (engine) => {
  let server: TestServer;
  let owner: TestUser;
  let guest: TestUser;

  beforeAll(async () => {
    server = await TestServer.start(engine);
    owner = await server.register('publisher');
    guest = await server.register('browser');
  });
  afterAll(() => server?.stop());

  const list = (roomId: string) => `${V3}/directory/list/room/${encodeURIComponent(roomId)}`;

  it('lists published rooms with their state, biggest first, paginated and searchable', async () => {
    const big = await createRoom(server, owner, {
      visibility: 'public',
      preset: 'public_chat',
      name: 'Big Lobby',
      topic: 'everyone here',
      room_alias_name: `big-${engine}`,
    });
    await join(server, guest, big);
    const small = await createRoom(server, owner, { visibility: 'public', name: 'Small Corner' });
    await createRoom(server, owner, { name: 'Unlisted' });

    const all = await server.request('GET', `${V3}/publicRooms`, { token: guest.token });
    expect(all.status).toBe(200);
    expect(all.body['total_room_count_estimate']).toBe(2);
    expect(all.body['chunk']).toEqual([
      {
        room_id: big,
        num_joined_members: 2,
        world_readable: false,
        guest_can_join: false,
        name: 'Big Lobby',
        topic: 'everyone here',
        canonical_alias: `#big-${engine}:localhost`,
        join_rule: 'public',
      },
      expect.objectContaining({ room_id: small, num_joined_members: 1, name: 'Small Corner' }),
    ]);

    const first = await server.request('GET', `${V3}/publicRooms?limit=1`, { token: guest.token });
    expect((first.body['chunk'] as Array<{ room_id: string }>).map((r) => r.room_id)).toEqual([
      big,
    ]);
    const next = await server.request(
      'GET',
      `${V3}/publicRooms?limit=1&since=${first.body['next_batch'] as string}`,
      {
        token: guest.token,
      },
    );
    expect((next.body['chunk'] as Array<{ room_id: string }>).map((r) => r.room_id)).toEqual([
      small,
    ]);
    expect(next.body['prev_batch']).toEqual(expect.any(String));

    const search = await server.request('POST', `${V3}/publicRooms`, {
      token: guest.token,
      body: { filter: { generic_search_term: 'corner' } },
    });
    expect((search.body['chunk'] as Array<{ room_id: string }>).map((r) => r.room_id)).toEqual([
      small,
    ]);
  });

  it('publishes and unpublishes rooms for members who may set the canonical alias', async () => {
    const roomId = await createRoom(server, owner, { preset: 'public_chat' });
    expect((await server.request('GET', list(roomId))).body).toEqual({ visibility: 'private' });
    await join(server, guest, roomId);
    expectError(
      await server.request('PUT', list(roomId), {
        token: guest.token,
        body: { visibility: 'public' },
      }),
      403,
      'M_FORBIDDEN',
    );
    expect(
      (
        await server.request('PUT', list(roomId), {
          token: owner.token,
          body: { visibility: 'public' },
        })
      ).status,
    ).toBe(200);
    expect((await server.request('GET', list(roomId))).body).toEqual({ visibility: 'public' });
    await server.request('PUT', list(roomId), {
      token: owner.token,
      body: { visibility: 'private' },
    });
    expect((await server.request('GET', list(roomId))).body).toEqual({ visibility: 'private' });
  });

  it('answers bad input with Matrix errors', async () => {
    expectError(await server.request('GET', list('!unknown:localhost')), 404, 'M_NOT_FOUND');
    expectError(await server.request('GET', list('not-a-room')), 400, 'M_INVALID_PARAM');
    expectError(
      await server.request('PUT', list('!unknown:localhost'), {
        token: owner.token,
        body: { visibility: 'maybe' },
      }),
      400,
      'M_BAD_JSON',
    );
    expectError(
      await server.request('GET', `${V3}/publicRooms?since=zzz`, { token: guest.token }),
      400,
      'M_INVALID_PARAM',
    );
    expectError(
      await server.request('GET', `${V3}/publicRooms?limit=0`, { token: guest.token }),
      400,
      'M_INVALID_PARAM',
    );
    expectError(
      await server.request('GET', `${V3}/publicRooms?server=elsewhere.example`, {
        token: guest.token,
      }),
      404,
      'M_NOT_FOUND',
    );
    expectError(await server.request('GET', `${V3}/publicRooms`), 401, 'M_MISSING_TOKEN');
  });
});
