import { ConfigError } from '@chat/config';
import { findFreePort } from '@chat/testing';

import {
  TestProcess,
  V3,
  WorkerDeployment,
  httpListener,
  type ApiResponse,
  type TestUser,
} from './worker-mode.test-helper';

type Json = Record<string, unknown>;

/** The four spellings of a client path clients use: both prefixes, r0 and v3. */
const SPELLINGS = [
  '/chat/client/v3',
  '/chat/client/r0',
  '/_matrix/client/v3',
  '/_matrix/client/r0',
];

function roomPath(prefix: string, roomId: string, rest: string): string {
  return `${prefix}/rooms/${encodeURIComponent(roomId)}/${rest}`;
}

function expectUnrecognized(res: ApiResponse): void {
  expect({ status: res.status, errcode: res.body['errcode'] }).toEqual({
    status: 404,
    errcode: 'M_UNRECOGNIZED',
  });
}

/** `value` without events' `unsigned.age`, which grows between the two answers compared. */
function withoutAges(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutAges);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      if (key !== 'unsigned' || typeof inner !== 'object' || inner === null) {
        return [key, withoutAges(inner)];
      }
      const { age: _age, ...unsigned } = inner as Json;
      return [key, withoutAges(unsigned)];
    }),
  );
}

/** A sync response's joined rooms without tokens, which name each process's own positions. */
function syncedRooms(body: Json): Json {
  const join = (body['rooms'] as Json)['join'] as Record<string, Json>;
  return Object.fromEntries(
    Object.entries(join).map(([roomId, room]) => {
      const { prev_batch: _prevBatch, ...timeline } = room['timeline'] as Json;
      return [roomId, withoutAges({ ...room, timeline })];
    }),
  );
}

/**
 * A main process and a generic worker on one PostgreSQL database and one Redis. Main writes
 * everything (rooms, messages, profiles); the worker serves reads it owns from the shared
 * database, kept current by the replication bus, and refuses every other public route.
 */
describe('generic worker beside main (postgres, redis)', () => {
  let deployment: WorkerDeployment;
  let sharedPath: string;
  let main: TestProcess;
  let worker: TestProcess;
  let workerReplicationPort: number;
  let alice: TestUser;
  let bob: TestUser;
  let roomId: string;
  /** A legacy `/events` token from before the room's messages. */
  let eventsFrom: string;

  /** Syncs on the worker until `eventId` is in some timeline: the worker has caught up to it. */
  async function workerSees(user: TestUser, eventId: string): Promise<void> {
    let since: string | undefined;
    for (;;) {
      const query = since ? `?since=${encodeURIComponent(since)}&timeout=30000` : '';
      const res = await worker.request('GET', `${V3}/sync${query}`, { token: user.token });
      expect(res.status).toBe(200);
      const rooms = ((res.body['rooms'] as Json | undefined)?.['join'] ?? {}) as Record<
        string,
        Json
      >;
      const seen = Object.values(rooms).some((room) =>
        ((room['timeline'] as Json)['events'] as Json[]).some((e) => e['event_id'] === eventId),
      );
      if (seen) return;
      since = res.body['next_batch'] as string;
    }
  }

  async function sendText(user: TestUser, body: string): Promise<string> {
    const res = await main.request(
      'PUT',
      roomPath(V3, roomId, `send/m.room.message/${encodeURIComponent(body)}`),
      { token: user.token, body: { msgtype: 'm.text', body } },
    );
    expect(res.status).toBe(200);
    return res.body['event_id'] as string;
  }

  beforeAll(async () => {
    deployment = await WorkerDeployment.create();
    workerReplicationPort = await findFreePort();
    const instanceMap = { worker1: { host: '127.0.0.1', port: workerReplicationPort } };
    sharedPath = deployment.writeConfig('homeserver', deployment.sharedValues(instanceMap));
    main = await TestProcess.start('main', deployment.load('main', sharedPath).config);
    const workerPath = deployment.writeConfig('worker1', {
      worker_app: 'chat.app.generic_worker',
      worker_name: 'worker1',
      worker_listeners: [
        httpListener(8083, 'client', 'federation'),
        httpListener(9101, 'metrics'),
        httpListener(workerReplicationPort, 'replication'),
      ],
    });
    const loaded = deployment.load('generic-worker', sharedPath, workerPath);
    expect(loaded.warnings).toEqual([]);
    worker = await TestProcess.start('generic-worker', loaded.config);

    // Everything is written through main: forwarding a worker's sends to the events writer is
    // being built separately, so nothing here may depend on it.
    alice = await main.register('alice');
    bob = await main.register('bob');
    const created = await main.request('POST', `${V3}/createRoom`, {
      token: alice.token,
      body: { preset: 'public_chat', name: 'Worker room' },
    });
    expect(created.status).toBe(200);
    roomId = created.body['room_id'] as string;
    const joined = await main.request('POST', roomPath(V3, roomId, 'join'), {
      token: bob.token,
      body: {},
    });
    expect(joined.status).toBe(200);
    const before = await main.request('GET', `${V3}/events?timeout=0`, { token: bob.token });
    eventsFrom = before.body['end'] as string;
    const profile = await main.request(
      'PUT',
      `${V3}/profile/${encodeURIComponent(alice.userId)}/displayname`,
      { token: alice.token, body: { displayname: 'Alice Worker' } },
    );
    expect(profile.status).toBe(200);
    for (const text of ['one', 'two', 'three']) await sendText(alice, text);
    await workerSees(bob, await sendText(bob, 'marker'));
  });

  afterAll(async () => {
    await worker?.stop();
    await main?.stop();
    await deployment?.drop();
  });

  describe('answers the reads it owns as main does, under every spelling', () => {
    it('/sync', async () => {
      const onMain = await main.request('GET', `${V3}/sync`, { token: bob.token });
      expect(onMain.status).toBe(200);
      for (const prefix of SPELLINGS) {
        const res = await worker.request('GET', `${prefix}/sync`, { token: bob.token });
        expect(res.status).toBe(200);
        expect(syncedRooms(res.body)).toEqual(syncedRooms(onMain.body));
      }
      const timeline = (syncedRooms(onMain.body)[roomId] as Json)['timeline'] as Json;
      const bodies = (timeline['events'] as Json[]).map((e) => (e['content'] as Json)['body']);
      expect(bodies.slice(-4)).toEqual(['one', 'two', 'three', 'marker']);
    });

    it('/events', async () => {
      const path = `/events?from=${encodeURIComponent(eventsFrom)}&timeout=0`;
      const onMain = await main.request('GET', `${V3}${path}`, { token: bob.token });
      expect(onMain.status).toBe(200);
      expect((onMain.body['chunk'] as Json[]).length).toBeGreaterThanOrEqual(4);
      for (const prefix of SPELLINGS) {
        const res = await worker.request('GET', `${prefix}${path}`, { token: bob.token });
        expect(res.status).toBe(200);
        expect(withoutAges(res.body['chunk'])).toEqual(withoutAges(onMain.body['chunk']));
      }
    });

    it('joined_rooms', async () => {
      const onMain = await main.request('GET', `${V3}/joined_rooms`, { token: bob.token });
      expect(onMain.body).toEqual({ joined_rooms: [roomId] });
      for (const prefix of SPELLINGS) {
        const res = await worker.request('GET', `${prefix}/joined_rooms`, { token: bob.token });
        expect(res.status).toBe(200);
        expect(res.body).toEqual(onMain.body);
      }
    });

    it('rooms/{id}/messages', async () => {
      const query = 'messages?dir=b&limit=5';
      const onMain = await main.request('GET', roomPath(V3, roomId, query), { token: bob.token });
      expect(onMain.status).toBe(200);
      const bodies = (onMain.body['chunk'] as Json[]).map((e) => (e['content'] as Json)['body']);
      expect(bodies.slice(0, 4)).toEqual(['marker', 'three', 'two', 'one']);
      for (const prefix of SPELLINGS) {
        const res = await worker.request('GET', roomPath(prefix, roomId, query), {
          token: bob.token,
        });
        expect(res.status).toBe(200);
        expect(withoutAges(res.body)).toEqual(withoutAges(onMain.body));
      }
    });

    it('profile/{user}', async () => {
      const path = `/profile/${encodeURIComponent(alice.userId)}`;
      const onMain = await main.request('GET', `${V3}${path}`, { token: bob.token });
      expect(onMain.body).toEqual({ displayname: 'Alice Worker' });
      for (const prefix of SPELLINGS) {
        const res = await worker.request('GET', `${prefix}${path}`, { token: bob.token });
        expect(res.status).toBe(200);
        expect(res.body).toEqual(onMain.body);
      }
    });

    it('pushrules/ reads (a GET-only rule)', async () => {
      const onMain = await main.request('GET', `${V3}/pushrules/`, { token: bob.token });
      const res = await worker.request('GET', '/_matrix/client/r0/pushrules/', {
        token: bob.token,
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(onMain.body);
    });
  });

  describe('refuses public routes it does not own with 404 M_UNRECOGNIZED', () => {
    it('the admin API: shared-secret registration stays on main', async () => {
      expect((await main.request('GET', '/_chat/admin/v1/register')).status).toBe(200);
      expectUnrecognized(await worker.request('GET', '/_chat/admin/v1/register'));
      expectUnrecognized(
        await worker.request('POST', '/_chat/admin/v1/register', { body: { nonce: 'x' } }),
      );
    });

    it('account/password, under every spelling', async () => {
      // Main knows the route: it asks for user-interactive auth.
      const onMain = await main.request('POST', `${V3}/account/password`, {
        token: bob.token,
        body: { new_password: 'another horse' },
      });
      expect(onMain.status).toBe(401);
      for (const prefix of SPELLINGS) {
        expectUnrecognized(
          await worker.request('POST', `${prefix}/account/password`, {
            token: bob.token,
            body: { new_password: 'another horse' },
          }),
        );
      }
    });

    it('pushrules/ writes, which belong to the push_rules writer (main)', async () => {
      const rule = '/pushrules/global/override/worker.rule';
      const body = { actions: ['dont_notify'], conditions: [] };
      for (const prefix of SPELLINGS) {
        expectUnrecognized(
          await worker.request('PUT', `${prefix}${rule}`, { token: bob.token, body }),
        );
      }
      expect((await main.request('PUT', `${V3}${rule}`, { token: bob.token, body })).status).toBe(
        200,
      );
    });

    it('typing, well-known and unknown versions, with CORS headers like any 404', async () => {
      const typing = await worker.request(
        'PUT',
        roomPath(V3, roomId, `typing/${encodeURIComponent(bob.userId)}`),
        { token: bob.token, body: { typing: true, timeout: 1000 } },
      );
      expectUnrecognized(typing);
      expect(typing.headers.get('access-control-allow-origin')).toBe('*');
      expect(typing.headers.get('x-request-id')).toMatch(/\S/);
      expectUnrecognized(await worker.request('GET', '/.well-known/matrix/client'));
      expectUnrecognized(
        await worker.request('GET', '/_matrix/client/v2_alpha/sync', { token: bob.token }),
      );
    });
  });

  describe('operations and replication', () => {
    it('answers /health on its public listener and /metrics on its metrics listener', async () => {
      const health = await worker.request('GET', '/health');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ text: 'OK' });
      const metrics = await worker.requestAt(worker.url('metrics'), 'GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(String(metrics.body['text'])).toContain('http_requests_total');
    });

    it('serves /_chat/replication on its replication listener only', async () => {
      const path = '/_chat/replication/get_repl_stream_updates/typing?from_token=0&upto_token=1';
      const authorization = { Authorization: 'Bearer replication-test-secret' };
      const reached = await worker.requestAt(worker.url('replication'), 'GET', path, {
        headers: authorization,
      });
      // The endpoint itself answers: this worker does not write typing.
      expect(reached.status).toBe(400);
      expect(reached.body['errcode']).toBe('M_INVALID_PARAM');
      expectUnrecognized(await worker.request('GET', path, { headers: authorization }));
    });
  });

  describe('worker_app', () => {
    it('refuses a config written for another app, naming the key and both apps', () => {
      const pusher = deployment.writeConfig('pusher1', {
        worker_app: 'chat.app.pusher',
        worker_name: 'pusher1',
      });
      let error: unknown;
      try {
        deployment.load('generic-worker', sharedPath, pusher);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        {
          file: pusher,
          key: 'worker_app',
          expected: 'chat.app.generic_worker for the generic-worker app (found chat.app.pusher)',
        },
      ]);
      // Nor does a main config start a worker.
      expect(() => deployment.load('generic-worker', sharedPath)).toThrow(
        'chat.app.generic_worker for the generic-worker app (found none)',
      );
    });

    it('starts a seed-era app name as a generic worker, with a deprecation warning', async () => {
      const synchrotron = deployment.writeConfig('synchrotron1', {
        worker_app: 'chat.app.synchrotron',
        worker_name: 'synchrotron1',
        worker_listeners: [httpListener(8084, 'client')],
      });
      const loaded = deployment.load('generic-worker', sharedPath, synchrotron);
      expect(loaded.warnings).toEqual([
        `${synchrotron}: worker_app: chat.app.synchrotron is deprecated; starting it as chat.app.generic_worker`,
      ]);
      expect(loaded.config.workerApp).toBe('chat.app.generic_worker');

      const old = await TestProcess.start('generic-worker', loaded.config);
      try {
        const res = await old.request('GET', '/_matrix/client/r0/joined_rooms', {
          token: bob.token,
        });
        expect(res.body).toEqual({ joined_rooms: [roomId] });
        expectUnrecognized(await old.request('GET', '/_chat/admin/v1/register'));
      } finally {
        await old.stop();
      }
    });
  });
});
