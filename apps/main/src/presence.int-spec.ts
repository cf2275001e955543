import { Clock, PresenceService, SYNC_ONLINE_TIMEOUT_MS } from '@chat/handlers';

import { V3, expectError } from './accounts.test-helper';
import { createRoom, join, type TestUser } from './rooms.test-helper';
import { ENGINES, TestServer } from './test-server.test-helper';

const status = (userId: string) => `${V3}/presence/${encodeURIComponent(userId)}/status`;

describe.each(ENGINES)('presence (%s)', (engine) => {
  let server: TestServer;
  let ann: TestUser;
  let ben: TestUser;
  let cal: TestUser;

  beforeAll(async () => {
    server = await TestServer.start(engine);
    ann = await server.register('ann');
    ben = await server.register('ben');
    cal = await server.register('cal');
    const room = await createRoom(server, ann, { preset: 'public_chat' });
    await join(server, ben, room);
  });
  afterAll(() => server?.stop());

  it('sets one’s own status and shows it to oneself and to room peers only', async () => {
    expect(await server.request('GET', status(ann.userId), { token: ann.token })).toMatchObject({
      status: 200,
      body: { presence: 'offline' },
    });
    const put = await server.request('PUT', status(ann.userId), {
      token: ann.token,
      body: { presence: 'unavailable', status_msg: 'lunch' },
    });
    expect(put.status).toBe(200);
    const seen = await server.request('GET', status(ann.userId), { token: ben.token });
    expect(seen).toMatchObject({
      status: 200,
      body: { presence: 'unavailable', status_msg: 'lunch' },
    });
    expect(seen.body['last_active_ago']).toEqual(expect.any(Number));
    expectError(
      await server.request('GET', status(ann.userId), { token: cal.token }),
      403,
      'M_FORBIDDEN',
    );
  });

  it('refuses others’ status and malformed bodies', async () => {
    expectError(
      await server.request('PUT', status(ann.userId), {
        token: ben.token,
        body: { presence: 'online' },
      }),
      403,
      'M_FORBIDDEN',
    );
    expectError(
      await server.request('PUT', status(ben.userId), { token: ben.token, body: {} }),
      400,
      'M_MISSING_PARAM',
    );
    expectError(
      await server.request('PUT', status(ben.userId), {
        token: ben.token,
        body: { presence: 'away' },
      }),
      400,
      'M_BAD_JSON',
    );
    expectError(
      await server.request('PUT', status(ben.userId), {
        token: ben.token,
        body: { presence: 'online', status_msg: 5 },
      }),
      400,
      'M_BAD_JSON',
    );
    expectError(
      await server.request('GET', status('nobody'), { token: ben.token }),
      400,
      'M_INVALID_PARAM',
    );
    expectError(
      await server.request('GET', status('@ghost:localhost'), { token: ben.token }),
      404,
      'M_NOT_FOUND',
    );
  });

  it('accepts but ignores updates when use_presence is off', async () => {
    const quiet = await TestServer.start(engine, { use_presence: false });
    try {
      const dee = await quiet.register('dee');
      const put = await quiet.request('PUT', status(dee.userId), {
        token: dee.token,
        body: { presence: 'online' },
      });
      expect(put.status).toBe(200);
      expect((await quiet.request('GET', status(dee.userId), { token: dee.token })).body).toEqual({
        presence: 'offline',
      });
    } finally {
      await quiet.stop();
    }
  });

  it('a user whose syncs stopped goes offline after the sync timeout, not while one waits', async () => {
    const clock = server.http.app.get(Clock);
    const presence = server.http.app.get(PresenceService);
    const realNow = clock.now.bind(clock);
    const later = (ms: number) => {
      clock.now = () => realNow() + ms;
    };
    try {
      const first = await server.request('GET', `${V3}/sync?timeout=0`, { token: cal.token });
      expect(first.status).toBe(200);
      const state = async () =>
        (await server.request('GET', status(cal.userId), { token: cal.token })).body['presence'];
      expect(await state()).toBe('online');

      // A long-poll in flight keeps the user online however late it gets.
      const since = first.body['next_batch'] as string;
      const poll = server.request('GET', `${V3}/sync?since=${since}&timeout=30000`, {
        token: cal.token,
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      later(SYNC_ONLINE_TIMEOUT_MS * 2);
      await presence.expireStoppedSyncs();
      expect(await state()).toBe('online');

      // Once it has ended, the timeout counts from then.
      await server.request('PUT', status(cal.userId), {
        token: cal.token,
        body: { presence: 'online', status_msg: 'end the poll' },
      });
      await poll;
      await presence.expireStoppedSyncs();
      expect(await state()).toBe('online');
      later(SYNC_ONLINE_TIMEOUT_MS * 3 + 1_000);
      await presence.expireStoppedSyncs();
      expect(await state()).toBe('offline');

      // The next sync brings them back.
      expect(
        (await server.request('GET', `${V3}/sync?timeout=0`, { token: cal.token })).status,
      ).toBe(200);
      expect(await state()).toBe('online');
    } finally {
      clock.now = realNow;
    }
  });
});
