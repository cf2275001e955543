import { randomBytes } from 'node:crypto';

import { createTestDatabase, type TestDatabase } from '@chat/testing';

import { V3 } from './accounts.test-helper';
import { createRoom, join, sendText } from './rooms.test-helper';
import { TestServer } from './test-server.test-helper';

type Json = Record<string, unknown>;

/**
 * Two processes on one PostgreSQL database and one Redis: main writes every stream, and a
 * worker that serves reads learns of main's writes over the replication bus alone.
 */
describe('replication between processes (postgres, redis)', () => {
  let database: TestDatabase;
  let main: TestServer;
  let worker: TestServer;

  const redisUrl = new URL(process.env['CHAT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const redis = {
    enabled: true,
    host: redisUrl.hostname,
    port: Number(redisUrl.port || 6379),
    // Each run on its own channels: runs sharing a Redis never hear each other.
    channel_prefix: `${process.env['CHAT_TEST_REDIS_PREFIX'] ?? 'chat-test:'}${randomBytes(4).toString('hex')}:`,
  };
  // Presence writes from a worker's /sync belong on the presence writer, which is not built yet.
  const shared = { redis, use_presence: false };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    main = await TestServer.start('postgres', shared, { database });
    worker = await TestServer.start(
      'postgres',
      {
        ...shared,
        worker_app: 'chat.app.generic_worker',
        worker_name: 'worker1',
        instance_map: { main: { host: '127.0.0.1', port: 9093 } },
      },
      { database },
    );
  });

  afterAll(async () => {
    await worker?.stop();
    await main?.stop();
    await database?.drop();
  });

  it('a long-poll on the worker wakes for a message persisted by main, and sees it', async () => {
    const alice = await main.register('alice');
    const bob = await main.register('bob');
    const roomId = await createRoom(main, alice, { preset: 'public_chat' });
    expect((await join(main, bob, roomId)).status).toBe(200);

    const first = await worker.request('GET', `${V3}/sync`, { token: bob.token });
    expect(first.status).toBe(200);
    expect(Object.keys((first.body['rooms'] as Json)['join'] as Json)).toContain(roomId);

    // The poll's own timeout (30 s) is far beyond jest's: a wake that never comes fails the test.
    const poll = worker.request(
      'GET',
      `${V3}/sync?since=${encodeURIComponent(first.body['next_batch'] as string)}&timeout=30000`,
      { token: bob.token },
    );
    const eventId = await sendText(main, alice, roomId, 'across processes');
    const woken = await poll;
    expect(woken.status).toBe(200);
    const room = ((woken.body['rooms'] as Json)['join'] as Json)[roomId] as Json;
    const events = (room['timeline'] as Json)['events'] as Json[];
    expect(events.map((e) => e['event_id'])).toEqual([eventId]);
  });

  it('a worker started after the writes sees them (positions load from the database)', async () => {
    const carol = await main.register('carol');
    const roomId = await createRoom(main, carol, { preset: 'public_chat' });
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await sendText(main, carol, roomId, `early ${i}`));

    const late = await TestServer.start(
      'postgres',
      {
        ...shared,
        worker_app: 'chat.app.generic_worker',
        worker_name: 'worker2',
        instance_map: { main: { host: '127.0.0.1', port: 9093 } },
      },
      { database },
    );
    try {
      const res = await late.request('GET', `${V3}/sync`, { token: carol.token });
      expect(res.status).toBe(200);
      const room = ((res.body['rooms'] as Json)['join'] as Json)[roomId] as Json;
      const ids = ((room['timeline'] as Json)['events'] as Json[]).map((e) => e['event_id']);
      expect(ids.slice(-5)).toEqual(sent);
    } finally {
      await late.stop();
    }
  });
});
