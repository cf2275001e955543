import Redis from 'ioredis';
import { Client } from 'pg';

import { ClientIpRecorder } from '@chat/handlers';
import { parseCommand, type UserIpCommand } from '@chat/replication';
import { DeviceStore } from '@chat/storage';
import { createTestDatabase, findFreePort, waitUntil, type TestDatabase } from '@chat/testing';

import { V3 } from './accounts.test-helper';
import { genericWorker, TestServer, testRedis, workerModeShared } from './test-server.test-helper';

/** Flushes every 5 s on both sides, so a sighting is written within about 10 s. */
const WRITTEN_WITHIN_MS = 20_000;
/** Starting three processes, or waiting for a write: no assertion depends on how long it takes. */
const SLOW_MS = 40_000;

/**
 * Client IPs in worker mode (replication.md §7.7), on one PostgreSQL database and one Redis:
 * `background1` runs the background tasks and alone writes last-seen info; main and `worker1`
 * report what they see as `USER_IP` on the bus.
 */
describe('worker mode: client IPs reach the background-tasks instance (postgres, redis)', () => {
  let database: TestDatabase;
  let main: TestServer;
  let background: TestServer;
  let worker: TestServer;
  let redis: Redis;
  const redisConfig = testRedis();
  const userIpChannel = `${String(redisConfig['channel_prefix'])}localhost/USER_IP`;
  let mainPort = 0;
  const shared = () => ({
    ...workerModeShared(redisConfig, { main: mainPort }),
    run_background_tasks_on: 'background1',
  });

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    mainPort = await findFreePort();
    main = await TestServer.start('postgres', shared(), { database, replicationPort: mainPort });
    background = await TestServer.start('postgres', genericWorker(shared(), 'background1'), {
      database,
    });
    worker = await TestServer.start('postgres', genericWorker(shared(), 'worker1'), { database });
    redis = new Redis({ host: String(redisConfig['host']), port: Number(redisConfig['port']) });
  }, SLOW_MS);

  afterAll(async () => {
    redis?.disconnect();
    await worker?.stop();
    await background?.stop();
    await main?.stop();
    await database?.drop();
  });

  async function lastSeen(userId: string, deviceId: string) {
    const client = new Client({ connectionString: (database.config.args as { url: string }).url });
    await client.connect();
    try {
      const { rows } = await client.query<{ ip: string | null; user_agent: string | null }>(
        `SELECT last_seen_ip AS ip, last_seen_user_agent AS user_agent FROM devices
         WHERE user_id = $1 AND device_id = $2`,
        [userId, deviceId],
      );
      return rows[0];
    } finally {
      await client.end();
    }
  }

  it('only the background-tasks instance subscribes to the USER_IP channel', async () => {
    const [, subscribers] = (await redis.pubsub('NUMSUB', userIpChannel)) as [string, number];
    expect(subscribers).toBe(1);
    expect(background.http.app.get(ClientIpRecorder).sinkKind).toBe('database');
    expect(main.http.app.get(ClientIpRecorder).sinkKind).toBe('bus');
    expect(worker.http.app.get(ClientIpRecorder).sinkKind).toBe('bus');
  });

  it(
    'a request on the worker shows in the device’s last seen, written by the background instance',
    async () => {
      const writes = [main, background, worker].map((server) =>
        jest.spyOn(server.http.app.get(DeviceStore), 'recordLastSeen'),
      );
      const alice = await main.register('alice');
      const res = await worker.request('GET', `${V3}/account/whoami`, {
        token: alice.token,
        headers: { 'User-Agent': 'Worker-Client/1.0' },
      });
      expect(res.status).toBe(200);

      // Polled in the database: a request to poll would be a sighting of its own.
      await waitUntil(
        'the worker’s sighting in the device’s row',
        async () =>
          (await lastSeen(alice.userId, alice.deviceId))?.user_agent === 'Worker-Client/1.0',
        WRITTEN_WITHIN_MS,
      );
      const list = await main.request('GET', `${V3}/devices`, { token: alice.token });
      expect(list.body['devices']).toEqual([
        {
          device_id: alice.deviceId,
          last_seen_ip: expect.stringMatching(/127\.0\.0\.1/),
          last_seen_ts: expect.any(Number),
        },
      ]);
      const [onMain, onBackground, onWorker] = writes;
      expect(onMain).not.toHaveBeenCalled();
      expect(onWorker).not.toHaveBeenCalled();
      expect(onBackground).toHaveBeenCalledWith(
        alice.userId,
        alice.deviceId,
        expect.stringMatching(/127\.0\.0\.1/),
        'Worker-Client/1.0',
        expect.any(Number),
      );
      for (const spy of writes) spy.mockRestore();
    },
    SLOW_MS,
  );

  it(
    'a worker reports a client seen again from the same place once, and a new place at once',
    async () => {
      const heard: UserIpCommand[] = [];
      const listener = redis.duplicate();
      await listener.subscribe(userIpChannel);
      listener.on('message', (_channel: string, line: string) => {
        const cmd = parseCommand(line);
        if (cmd.name === 'USER_IP') heard.push(cmd);
      });
      try {
        const bob = await main.register('bob');
        const recorder = worker.http.app.get(ClientIpRecorder);
        const whoami = (userAgent: string) =>
          worker.request('GET', `${V3}/account/whoami`, {
            token: bob.token,
            headers: { 'User-Agent': userAgent },
          });
        const heardFromBob = () => heard.filter((cmd) => cmd.userId === bob.userId);

        await whoami('Bob-Client/1.0');
        await recorder.flush();
        await waitUntil('the first USER_IP', () => heardFromBob().length === 1, WRITTEN_WITHIN_MS);
        await whoami('Bob-Client/1.0');
        await whoami('Bob-Client/1.0');
        await recorder.flush();
        await whoami('Bob-Client/2.0');
        await recorder.flush();
        await waitUntil('the second USER_IP', () => heardFromBob().length >= 2, WRITTEN_WITHIN_MS);

        expect(heardFromBob().map((cmd) => [cmd.deviceId, cmd.userAgent])).toEqual([
          [bob.deviceId, 'Bob-Client/1.0'],
          [bob.deviceId, 'Bob-Client/2.0'],
        ]);
        // The token's id travels, never the token.
        for (const cmd of heardFromBob()) {
          expect(cmd.accessToken).toMatch(/^\d+$/);
          expect(cmd.accessToken).not.toBe(bob.token);
        }
      } finally {
        listener.disconnect();
      }
    },
    SLOW_MS,
  );
});
