import Redis from 'ioredis';
import { Client } from 'pg';

import { BackgroundTasks } from '@chat/handlers';
import { createTestDatabase, findFreePort, waitUntil, type TestDatabase } from '@chat/testing';

import { V3, withPasswordAuth } from './accounts.test-helper';
import { createRoom, join, roomPath, sendText } from './rooms.test-helper';
import { genericWorker, TestServer, testRedis, workerModeShared } from './test-server.test-helper';

type Json = Record<string, unknown>;

/**
 * Three processes on one PostgreSQL database and one Redis: main, an event persister that writes
 * every room's events, and a generic worker. Writes reach the persister over HTTP replication;
 * everything else learns of them over the replication bus alone.
 */
describe('worker mode: replication between processes (postgres, redis)', () => {
  let database: TestDatabase;
  let main: TestServer;
  let persister: TestServer;
  let worker: TestServer;
  const ports = { main: 0, persister: 0 };

  const redis = testRedis();
  const shared = () => ({
    ...workerModeShared(redis, { main: ports.main, persister1: ports.persister }),
    stream_writers: { events: ['persister1'] },
  });
  const workerConfig = (name: string) => genericWorker(shared(), name);

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    ports.main = await findFreePort();
    ports.persister = await findFreePort();
    main = await TestServer.start('postgres', shared(), { database, replicationPort: ports.main });
    persister = await TestServer.start('postgres', workerConfig('persister1'), {
      database,
      replicationPort: ports.persister,
    });
    worker = await TestServer.start('postgres', workerConfig('worker1'), { database });
  });

  afterAll(async () => {
    await worker?.stop();
    await persister?.stop();
    await main?.stop();
    await database?.drop();
  });

  async function writersOf(roomId: string): Promise<string[]> {
    const client = new Client({ connectionString: (database.config.args as { url: string }).url });
    await client.connect();
    try {
      const { rows } = await client.query<{ instance_name: string }>(
        'SELECT DISTINCT instance_name FROM events WHERE room_id = $1',
        [roomId],
      );
      return rows.map((r) => r.instance_name);
    } finally {
      await client.end();
    }
  }

  it('rooms created and written through main and the worker are persisted by the persister', async () => {
    const alice = await main.register('alice');
    const bob = await main.register('bob');
    const roomId = await createRoom(worker, alice, { preset: 'public_chat' });
    expect((await join(main, bob, roomId)).status).toBe(200);
    await sendText(worker, alice, roomId, 'from the worker');
    await sendText(main, alice, roomId, 'from main');
    expect(await writersOf(roomId)).toEqual(['persister1']);

    // Read-your-writes: the sending process already shows the message in its own reads.
    const messages = await worker.request('GET', `${roomPath(roomId, 'messages')}?dir=b&limit=5`, {
      token: alice.token,
    });
    const bodies = (messages.body['chunk'] as Json[]).map((e) => (e['content'] as Json)['body']);
    expect(bodies.slice(0, 2)).toEqual(['from main', 'from the worker']);
  });

  it('a retried send with the same transaction id gives the same event, across processes', async () => {
    const carol = await main.register('carol');
    const roomId = await createRoom(main, carol, {});
    const path = roomPath(roomId, 'send/m.room.message/txn-1');
    const body = { msgtype: 'm.text', body: 'once' };
    const first = await worker.request('PUT', path, { token: carol.token, body });
    const again = await worker.request('PUT', path, { token: carol.token, body });
    expect(first.status).toBe(200);
    expect(again.body['event_id']).toBe(first.body['event_id']);
  });

  it('refuses an event that fails authorization with the persister’s Matrix error', async () => {
    const dave = await main.register('dave');
    const erin = await main.register('erin');
    const roomId = await createRoom(main, dave, {});
    const res = await worker.request('PUT', roomPath(roomId, 'send/m.room.message/t'), {
      token: erin.token,
      body: { msgtype: 'm.text', body: 'not a member' },
    });
    expect(res.status).toBe(403);
    expect(res.body['errcode']).toBe('M_FORBIDDEN');
  });

  it('a long-poll on the worker wakes for a message the persister wrote, and sees it', async () => {
    const frank = await main.register('frank');
    const grace = await main.register('grace');
    const roomId = await createRoom(main, frank, { preset: 'public_chat' });
    expect((await join(main, grace, roomId)).status).toBe(200);

    const first = await worker.request('GET', `${V3}/sync`, { token: grace.token });
    expect(first.status).toBe(200);
    expect(Object.keys((first.body['rooms'] as Json)['join'] as Json)).toContain(roomId);

    // The poll's own timeout (30 s) is far beyond jest's: a wake that never comes fails the test.
    const poll = worker.request(
      'GET',
      `${V3}/sync?since=${encodeURIComponent(first.body['next_batch'] as string)}&timeout=30000`,
      { token: grace.token },
    );
    const eventId = await sendText(main, frank, roomId, 'across processes');
    const woken = await poll;
    expect(woken.status).toBe(200);
    const room = ((woken.body['rooms'] as Json)['join'] as Json)[roomId] as Json;
    const events = (room['timeline'] as Json)['events'] as Json[];
    expect(events.map((e) => e['event_id'])).toEqual([eventId]);
  });

  /**
   * Every process caches resolved tokens for minutes; a deletion anywhere must reach every cache
   * through the caches stream. Each case deletes on a different process, after every process
   * has cached the token.
   */
  it.each([
    ['logout', 'main'],
    ['logout/all', 'worker'],
    ['device deletion', 'persister'],
  ] as const)(
    'a token dropped by %s on %s is refused by every process promptly',
    async (how, where) => {
      const name = `judy_${how.replace(/\W/g, '_')}`;
      const judy = await main.register(name, 'pw');
      const other = await main.login(name, 'pw');
      const servers = { main, persister, worker };
      const whoami = (server: TestServer) =>
        server.request('GET', `${V3}/account/whoami`, { token: judy.token });
      for (const server of Object.values(servers)) expect((await whoami(server)).status).toBe(200);

      const on = servers[where];
      const dropped =
        how === 'device deletion'
          ? await withPasswordAuth(on, 'DELETE', `${V3}/devices/${judy.deviceId}`, {
              token: other.token,
              user: name,
              password: 'pw',
            })
          : await on.request('POST', `${V3}/${how}`, { token: judy.token, body: {} });
      expect(dropped.status).toBe(200);

      // The process that dropped it refuses it at once; the others once the row reaches them.
      expect((await whoami(on)).status).toBe(401);
      for (const [label, server] of Object.entries(servers)) {
        await waitUntil(
          `${label} to refuse the token`,
          async () => (await whoami(server)).status === 401,
          1_000,
        );
      }
    },
  );

  it('shares the public room list through Redis; publishing and unpublishing show everywhere at once', async () => {
    const kim = await main.register('kim');
    const listed = async (server: TestServer) => {
      const res = await server.request('GET', `${V3}/publicRooms`, { token: kim.token });
      expect(res.status).toBe(200);
      return (res.body['chunk'] as Json[]).map((room) => [room['room_id'], room['name']]);
    };
    const visibility = (server: TestServer, roomId: string, value: string) =>
      server.request('PUT', `${V3}/directory/list/room/${encodeURIComponent(roomId)}`, {
        token: kim.token,
        body: { visibility: value },
      });
    const lobby = await createRoom(main, kim, { visibility: 'public', name: 'Lobby' });
    expect(await listed(worker)).toEqual([[lobby, 'Lobby']]);

    // The worker described the rooms and left the list in Redis; main answers from that copy.
    const redisClient = new Redis({ host: redis['host'] as string, port: redis['port'] as number });
    try {
      const key = `cache_v1:${redis['channel_prefix'] as string}public_rooms:all`;
      const stored = JSON.parse((await redisClient.get(key)) ?? '[]') as Json[];
      expect(stored).toEqual([expect.objectContaining({ room_id: lobby, name: 'Lobby' })]);
      await redisClient.set(key, JSON.stringify([{ ...stored[0], name: 'Shared' }]), 'KEEPTTL');
      expect(await listed(main)).toEqual([[lobby, 'Shared']]);
    } finally {
      redisClient.disconnect();
    }

    expect((await visibility(persister, lobby, 'private')).status).toBe(200);
    for (const server of [main, worker, persister]) expect(await listed(server)).toEqual([]);
    expect((await visibility(worker, lobby, 'public')).status).toBe(200);
    for (const server of [main, worker, persister]) {
      expect(await listed(server)).toEqual([[lobby, 'Lobby']]);
    }
  });

  it('runs the background tasks on main only (run_background_tasks_on defaults to main)', () => {
    expect(main.http.app.get(BackgroundTasks).scheduled().sort()).toEqual([
      'expire_event_txn_ids',
      'expire_to_device_txn_ids',
      'expire_ui_auth_sessions',
      'prune_caches_stream',
      'sweep_device_inbox',
    ]);
    expect(worker.http.app.get(BackgroundTasks).scheduled()).toEqual([]);
    expect(persister.http.app.get(BackgroundTasks).scheduled()).toEqual([]);
  });

  it('a worker started after the writes sees them (positions load from the database)', async () => {
    const heidi = await main.register('heidi');
    const roomId = await createRoom(main, heidi, { preset: 'public_chat' });
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await sendText(main, heidi, roomId, `early ${i}`));

    const late = await TestServer.start('postgres', workerConfig('worker2'), { database });
    try {
      const res = await late.request('GET', `${V3}/sync`, { token: heidi.token });
      expect(res.status).toBe(200);
      const room = ((res.body['rooms'] as Json)['join'] as Json)[roomId] as Json;
      const ids = ((room['timeline'] as Json)['events'] as Json[]).map((e) => e['event_id']);
      expect(ids.slice(-5)).toEqual(sent);
    } finally {
      await late.stop();
    }
  });

  // Last: the disagreeing process stays "live" to the others for three HELLO intervals.
  it('refuses sends while a process on the bus runs another topology (a persister added without restarting all)', async () => {
    const ivan = await main.register('ivan');
    const roomId = await createRoom(main, ivan, {});
    const stray = await TestServer.start(
      'postgres',
      {
        ...genericWorker(
          workerModeShared(redis, { main: ports.main, persister1: ports.persister, persister2: 1 }),
          'persister2',
        ),
        stream_writers: { events: ['persister1', 'persister2'] },
      },
      { database },
    );
    try {
      // Plain fetch: the test server's request helper treats every 5xx as a failure, and a 503
      // is the answer wanted here.
      const send = async (txn: string) => {
        const res = await fetch(
          `${main.baseUrl}${roomPath(roomId, `send/m.room.message/${txn}`)}`,
          {
            method: 'PUT',
            headers: { Authorization: `Bearer ${ivan.token}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ msgtype: 'm.text', body: 'refused' }),
          },
        );
        return { status: res.status, body: (await res.json()) as Json };
      };
      // HELLO travels over Redis: wait (bounded) until main has heard the stray process.
      let res = await send('t0');
      for (let i = 1; i <= 50 && res.status === 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        res = await send(`t${i}`);
      }
      expect(res.status).toBe(503);
      expect(res.body['errcode']).toBe('M_UNKNOWN');
      expect(res.body['error']).toContain('persister2');
    } finally {
      await stray.stop();
    }
  });
});
