import { randomBytes } from 'node:crypto';

import { Client } from 'pg';

import {
  Clock,
  PresenceService,
  SYNC_ONLINE_TIMEOUT_MS,
  SYNC_STOP_DELAY_MS,
  SyncTokens,
  TypingService,
} from '@chat/handlers';
import type { StreamKey } from '@chat/streams';
import { createTestDatabase, findFreePort, type TestDatabase, waitUntil } from '@chat/testing';

import { V3, deviceIds, expectError, withPasswordAuth } from './accounts.test-helper';
import { createRoom, join, roomPath, type TestUser } from './rooms.test-helper';
import { genericWorker, TestServer, testRedis, workerModeShared } from './test-server.test-helper';

type Json = Record<string, unknown>;

/** A restart waits for ports and connections; no assertion depends on how long anything takes. */
const RESTART_TEST_MS = 30_000;

/**
 * The stream writers of worker mode, each on its own process, on one PostgreSQL database and one
 * Redis: main writes receipts, account data, push rules, presence and device lists; `writer1`
 * writes typing and to-device; `persister1` writes every room's events; `worker1` writes nothing.
 * A write sent anywhere lands on its writer, and every process learns of it over the bus.
 */
describe('worker mode: stream writers on different processes (postgres, redis)', () => {
  let database: TestDatabase;
  let main: TestServer;
  let persister: TestServer;
  let writer: TestServer;
  let worker: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let roomId: string;
  const ports = { main: 0, persister: 0, writer: 0 };

  const redis = testRedis();
  const shared = () => ({
    ...workerModeShared(redis, {
      main: ports.main,
      persister1: ports.persister,
      writer1: ports.writer,
    }),
    stream_writers: { events: ['persister1'], typing: ['writer1'], to_device: ['writer1'] },
  });
  const workerConfig = (name: string) => genericWorker(shared(), name);
  const startWriter = () =>
    TestServer.start('postgres', workerConfig('writer1'), {
      database,
      replicationPort: ports.writer,
    });
  const everyProcess = () => [main, persister, writer, worker];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    ports.main = await findFreePort();
    ports.persister = await findFreePort();
    ports.writer = await findFreePort();
    main = await TestServer.start('postgres', shared(), { database, replicationPort: ports.main });
    persister = await TestServer.start('postgres', workerConfig('persister1'), {
      database,
      replicationPort: ports.persister,
    });
    writer = await startWriter();
    worker = await TestServer.start('postgres', workerConfig('worker1'), { database });
    alice = await main.register('alice');
    bob = await main.register('bob');
    roomId = await createRoom(main, alice, { preset: 'public_chat' });
    expect((await join(main, bob, roomId)).status).toBe(200);
  });

  afterAll(async () => {
    await worker?.stop();
    await writer?.stop();
    await persister?.stop();
    await main?.stop();
    await database?.drop();
  });

  async function query<T>(sql: string, params: unknown[]): Promise<T[]> {
    const client = new Client({ connectionString: (database.config.args as { url: string }).url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** Who wrote the rows a query selects (its first column is `instance_name`). */
  async function writers(sql: string, params: unknown[]): Promise<string[]> {
    const rows = await query<{ instance_name: string }>(sql, params);
    return [...new Set(rows.map((r) => r.instance_name))];
  }

  /** The stream rows a query selects: `instance_name` (who wrote each) and `stream_id`. */
  async function streamRows(sql: string, params: unknown[]): Promise<Array<[string, number]>> {
    const rows = await query<{ instance_name: string; stream_id: string }>(sql, params);
    return rows.map((r) => [r.instance_name, Number(r.stream_id)]);
  }

  /** Every process's sync token covers `writer`'s row at `position` of the stream behind `key`. */
  async function everyProcessPast(key: StreamKey, writer: string, position: number): Promise<void> {
    for (const server of everyProcess()) {
      await eventually(`${server.config.workerName ?? 'main'} past ${key} ${position}`, () => {
        const part = server.http.app.get(SyncTokens).currentToken().get(key);
        return typeof part === 'number' ? part >= position : part.covers(writer, position);
      });
    }
  }

  /** Replication is asynchronous: what it brings is polled for, within 5 s. */
  const eventually = (what: string, check: () => boolean | Promise<boolean>) =>
    waitUntil(what, check, 5_000);

  async function sinceNow(server: TestServer, user: TestUser): Promise<string> {
    const res = await server.request('GET', `${V3}/sync?timeout=0`, { token: user.token });
    expect(res.status).toBe(200);
    return res.body['next_batch'] as string;
  }

  /**
   * Long-polls from `since` until a response shows what `found` looks for. Each poll waits 30 s,
   * far beyond jest's timeout: a wake-up that never comes fails the test.
   */
  async function syncUntil(
    server: TestServer,
    user: TestUser,
    since: string,
    found: (body: Json) => boolean,
  ): Promise<Json> {
    let from = since;
    for (let poll = 0; poll < 20; poll++) {
      const res = await server.request(
        'GET',
        `${V3}/sync?since=${encodeURIComponent(from)}&timeout=30000`,
        { token: user.token },
      );
      expect(res.status).toBe(200);
      if (found(res.body)) return res.body;
      from = res.body['next_batch'] as string;
    }
    throw new Error(`no sync on ${server.config.workerName ?? 'main'} showed what was expected`);
  }

  const joinedRoom = (body: Json, id: string): Json | undefined =>
    ((body['rooms'] as Json | undefined)?.['join'] as Json | undefined)?.[id] as Json | undefined;
  const ephemeral = (body: Json, id: string, type: string): Json[] =>
    (
      ((joinedRoom(body, id)?.['ephemeral'] as Json | undefined)?.['events'] as Json[]) ?? []
    ).filter((e) => e['type'] === type);
  const typingIn = (body: Json, id: string): string[][] =>
    ephemeral(body, id, 'm.typing').map((e) => (e['content'] as Json)['user_ids'] as string[]);
  const globalAccountData = (body: Json, type: string): Json[] =>
    (((body['account_data'] as Json | undefined)?.['events'] as Json[]) ?? []).filter(
      (e) => e['type'] === type,
    );
  const typingPath = (user: TestUser) =>
    roomPath(roomId, `typing/${encodeURIComponent(user.userId)}`);

  describe('typing (writer1)', () => {
    it('a typing notice sent to a non-writer lands on the writer, shows everywhere and wakes a sync', async () => {
      const since = await sinceNow(main, bob);
      const woken = syncUntil(main, bob, since, (b) =>
        typingIn(b, roomId).some((ids) => ids.includes(alice.userId)),
      );
      const put = await worker.request('PUT', typingPath(alice), {
        token: alice.token,
        body: { typing: true, timeout: 60_000 },
      });
      expect(put.status).toBe(200);
      expect(writer.http.app.get(TypingService).typingUsers(roomId)).toEqual([alice.userId]);
      // Read-your-writes: the process that forwarded the write already follows it.
      expect(worker.http.app.get(TypingService).typingUsers(roomId)).toEqual([alice.userId]);
      for (const server of everyProcess()) {
        await eventually('every process sees alice typing', () =>
          server.http.app.get(TypingService).typingUsers(roomId).includes(alice.userId),
        );
      }
      await woken;

      const next = await sinceNow(main, bob);
      const cleared = syncUntil(main, bob, next, (b) =>
        typingIn(b, roomId).some((ids) => ids.length === 0),
      );
      const stop = await persister.request('PUT', typingPath(alice), {
        token: alice.token,
        body: { typing: false },
      });
      expect(stop.status).toBe(200);
      await cleared;
      expect(writer.http.app.get(TypingService).typingUsers(roomId)).toEqual([]);
    });

    it('checks permissions where the request arrives, with the usual errors', async () => {
      const carol = await main.register('carol-typing');
      expectError(
        await worker.request(
          'PUT',
          roomPath(roomId, `typing/${encodeURIComponent(carol.userId)}`),
          {
            token: carol.token,
            body: { typing: true },
          },
        ),
        403,
        'M_FORBIDDEN',
      );
      expectError(
        await worker.request('PUT', typingPath(alice), {
          token: bob.token,
          body: { typing: true },
        }),
        403,
        'M_FORBIDDEN',
      );
    });

    it(
      'a restart of the typing writer does not stall a follower’s sync',
      async () => {
        const typing = await worker.request('PUT', typingPath(alice), {
          token: alice.token,
          body: { typing: true, timeout: 60_000 },
        });
        expect(typing.status).toBe(200);
        await eventually('main follows alice typing', () =>
          main.http.app.get(TypingService).typingUsers(roomId).includes(alice.userId),
        );
        const since = await sinceNow(main, bob);

        await writer.stop();
        writer = await startWriter();
        // The restarted writer has nobody typing: followers clear what they had from it.
        await eventually(
          'main forgets the typing of the old writer',
          () => main.http.app.get(TypingService).typingUsers(roomId).length === 0,
        );
        const cleared = await syncUntil(main, bob, since, (b) =>
          typingIn(b, roomId).some((ids) => ids.length === 0),
        );

        // The writer counts from 0 again, below the tokens clients hold: they still see news.
        const woken = syncUntil(main, bob, cleared['next_batch'] as string, (b) =>
          typingIn(b, roomId).some((ids) => ids.includes(bob.userId)),
        );
        const again = await worker.request('PUT', typingPath(bob), {
          token: bob.token,
          body: { typing: true, timeout: 60_000 },
        });
        expect(again.status).toBe(200);
        await woken;
        // And a client whose token predates the restart gets the same news.
        const old = await syncUntil(main, bob, since, (b) =>
          typingIn(b, roomId).some((ids) => ids.includes(bob.userId)),
        );
        expect(typingIn(old, roomId)).toEqual([[bob.userId]]);
      },
      RESTART_TEST_MS,
    );
  });

  describe('to-device (writer1)', () => {
    it('a message sent through main is queued by writer1 and wakes a sync on the worker', async () => {
      const since = await sinceNow(worker, bob);
      const woken = syncUntil(
        worker,
        bob,
        since,
        (b) => (((b['to_device'] as Json | undefined)?.['events'] as Json[]) ?? []).length > 0,
      );
      const sent = await main.request('PUT', `${V3}/sendToDevice/m.test/txn-1`, {
        token: alice.token,
        body: { messages: { [bob.userId]: { [bob.deviceId]: { hello: 'bob' } } } },
      });
      expect(sent.status).toBe(200);
      const [[instance, position]] = await streamRows(
        'SELECT instance_name, stream_id FROM device_inbox WHERE user_id = $1',
        [bob.userId],
      );
      expect(instance).toBe('writer1');
      await everyProcessPast('to_device', 'writer1', position);
      const body = await woken;
      expect((body['to_device'] as Json)['events']).toEqual([
        { sender: alice.userId, type: 'm.test', content: { hello: 'bob' } },
      ]);
    });
  });

  describe('receipts and read markers (main)', () => {
    it('a receipt sent to the worker is stored by main and wakes a sync on the persister', async () => {
      const eventId = await sendMessageThrough(worker, alice, 'read me');
      const since = await sinceNow(persister, bob);
      const woken = syncUntil(persister, bob, since, (b) =>
        ephemeral(b, roomId, 'm.receipt').some((e) => eventId in (e['content'] as Json)),
      );
      const res = await worker.request(
        'POST',
        roomPath(roomId, `receipt/m.read/${encodeURIComponent(eventId)}`),
        { token: alice.token, body: {} },
      );
      expect(res.status).toBe(200);
      const [[instance, position]] = await streamRows(
        'SELECT instance_name, stream_id FROM receipts WHERE room_id = $1 AND user_id = $2',
        [roomId, alice.userId],
      );
      expect(instance).toBe('main');
      await everyProcessPast('receipt', 'main', position);
      await woken;
    });

    it('read markers sent to writer1 move the marker (account data) and the receipt on main', async () => {
      const eventId = await sendMessageThrough(main, alice, 'marked');
      const since = await sinceNow(worker, bob);
      const woken = syncUntil(worker, bob, since, (b) => {
        const room = joinedRoom(b, roomId);
        const events = ((room?.['account_data'] as Json | undefined)?.['events'] as Json[]) ?? [];
        return events.some(
          (e) => e['type'] === 'm.fully_read' && (e['content'] as Json)['event_id'] === eventId,
        );
      });
      const res = await writer.request('POST', roomPath(roomId, 'read_markers'), {
        token: bob.token,
        body: { 'm.fully_read': eventId, 'm.read': eventId },
      });
      expect(res.status).toBe(200);
      expect(
        await writers(
          `SELECT instance_name FROM account_data WHERE user_id = $1 AND room_id = $2
           AND type = 'm.fully_read'`,
          [bob.userId, roomId],
        ),
      ).toEqual(['main']);
      expect(
        await writers('SELECT instance_name FROM receipts WHERE room_id = $1 AND user_id = $2', [
          roomId,
          bob.userId,
        ]),
      ).toEqual(['main']);
      await woken;
    });

    it('refuses a receipt for an event outside the room where the request arrives', async () => {
      expectError(
        await worker.request('POST', roomPath(roomId, 'receipt/m.read/$nope:localhost'), {
          token: alice.token,
          body: {},
        }),
        404,
        'M_NOT_FOUND',
      );
    });
  });

  describe('account data and tags (main)', () => {
    it('account data put through the worker is stored by main, read anywhere and wakes a sync on writer1', async () => {
      const since = await sinceNow(writer, alice);
      const woken = syncUntil(
        writer,
        alice,
        since,
        (b) => globalAccountData(b, 'org.example.settings').length > 0,
      );
      const user = encodeURIComponent(alice.userId);
      const path = `${V3}/user/${user}/account_data/org.example.settings`;
      const put = await worker.request('PUT', path, {
        token: alice.token,
        body: { theme: 'dark' },
      });
      expect(put.status).toBe(200);
      const [[instance, position]] = await streamRows(
        'SELECT instance_name, stream_id FROM account_data WHERE user_id = $1 AND type = $2',
        [alice.userId, 'org.example.settings'],
      );
      expect(instance).toBe('main');
      await everyProcessPast('account_data', 'main', position);
      for (const server of everyProcess()) {
        expect((await server.request('GET', path, { token: alice.token })).body).toEqual({
          theme: 'dark',
        });
      }
      const body = await woken;
      expect(globalAccountData(body, 'org.example.settings')[0]['content']).toEqual({
        theme: 'dark',
      });
      expectError(
        await worker.request(
          'PUT',
          `${V3}/user/${encodeURIComponent(alice.userId)}/account_data/m.fully_read`,
          { token: alice.token, body: {} },
        ),
        400,
        'M_BAD_JSON',
      );
    });

    it('tags added and removed through different non-writers end up in one document on main', async () => {
      const user = encodeURIComponent(alice.userId);
      const tags = `${V3}/user/${user}/rooms/${encodeURIComponent(roomId)}/tags`;
      const since = await sinceNow(persister, alice);
      const woken = syncUntil(persister, alice, since, (b) => {
        const room = joinedRoom(b, roomId);
        const events = ((room?.['account_data'] as Json | undefined)?.['events'] as Json[]) ?? [];
        return events.some((e) => e['type'] === 'm.tag');
      });
      expect(
        (
          await worker.request('PUT', `${tags}/u.work`, {
            token: alice.token,
            body: { order: 0.5 },
          })
        ).status,
      ).toBe(200);
      expect(
        (await writer.request('PUT', `${tags}/u.later`, { token: alice.token, body: {} })).status,
      ).toBe(200);
      expect(
        (await persister.request('DELETE', `${tags}/u.work`, { token: alice.token })).status,
      ).toBe(200);
      expect((await worker.request('GET', tags, { token: alice.token })).body).toEqual({
        tags: { 'u.later': {} },
      });
      expect(
        await writers('SELECT instance_name FROM account_data WHERE user_id = $1 AND type = $2', [
          alice.userId,
          'm.tag',
        ]),
      ).toEqual(['main']);
      await woken;
    });
  });

  describe('push rules (main)', () => {
    const rulePath = (id: string) => `${V3}/pushrules/global/content/${id}`;

    it('a rule put through the worker is written by main, read anywhere and wakes a sync on writer1', async () => {
      const since = await sinceNow(writer, alice);
      const woken = syncUntil(writer, alice, since, (b) =>
        globalAccountData(b, 'm.push_rules').some((e) =>
          JSON.stringify(e['content']).includes('cheese-rule'),
        ),
      );
      const put = await worker.request('PUT', rulePath('cheese-rule'), {
        token: alice.token,
        body: { pattern: 'cheese', actions: ['notify'] },
      });
      expect(put.status).toBe(200);
      const [[instance, position]] = await streamRows(
        'SELECT instance_name, stream_id FROM push_rules WHERE user_id = $1',
        [alice.userId],
      );
      expect(instance).toBe('main');
      await everyProcessPast('push_rules', 'main', position);
      for (const server of everyProcess()) {
        const got = await server.request('GET', rulePath('cheese-rule'), { token: alice.token });
        expect(got.body).toMatchObject({ rule_id: 'cheese-rule', pattern: 'cheese' });
      }
      await woken;
      const disable = await persister.request('PUT', `${rulePath('cheese-rule')}/enabled`, {
        token: alice.token,
        body: { enabled: false },
      });
      expect(disable.status).toBe(200);
      expect(
        (await worker.request('GET', `${rulePath('cheese-rule')}/enabled`, { token: alice.token }))
          .body,
      ).toEqual({ enabled: false });
    });

    it('the writer’s Matrix errors come back unchanged, the request’s own from where it arrives', async () => {
      expectError(
        await worker.request('PUT', `${rulePath('after-nothing')}?before=no-such-rule`, {
          token: alice.token,
          body: { pattern: 'x', actions: ['notify'] },
        }),
        404,
        'M_NOT_FOUND',
      );
      expectError(
        await worker.request('DELETE', rulePath('never-made'), { token: alice.token }),
        404,
        'M_NOT_FOUND',
      );
      expectError(
        await worker.request('PUT', `${rulePath('never-made')}/enabled`, {
          token: alice.token,
          body: { enabled: true },
        }),
        404,
        'M_NOT_FOUND',
      );
      expectError(
        await worker.request('PUT', rulePath('no-actions'), {
          token: alice.token,
          body: { pattern: 'x' },
        }),
        400,
        'M_MISSING_PARAM',
      );
    });
  });

  describe('presence (main)', () => {
    const status = (user: TestUser) => `${V3}/presence/${encodeURIComponent(user.userId)}/status`;

    it('a status set through the worker is written by main, read anywhere and wakes a sync on the persister', async () => {
      const since = await sinceNow(persister, bob);
      const woken = syncUntil(persister, bob, since, (b) =>
        (((b['presence'] as Json | undefined)?.['events'] as Json[]) ?? []).some(
          (e) =>
            e['sender'] === alice.userId && (e['content'] as Json)['status_msg'] === 'in a meeting',
        ),
      );
      const put = await worker.request('PUT', status(alice), {
        token: alice.token,
        body: { presence: 'unavailable', status_msg: 'in a meeting' },
      });
      expect(put.status).toBe(200);
      const [[instance, position]] = await streamRows(
        'SELECT instance_name, stream_id FROM presence WHERE user_id = $1',
        [alice.userId],
      );
      expect(instance).toBe('main');
      await everyProcessPast('presence', 'main', position);
      for (const server of everyProcess()) {
        expect(
          (await server.request('GET', status(alice), { token: bob.token })).body,
        ).toMatchObject({ presence: 'unavailable', status_msg: 'in a meeting' });
      }
      await woken;
    });

    it('a sync on the worker sets presence through main, and main keeps the user online while it is in flight', async () => {
      const dan = await main.register('dan');
      const first = await worker.request('GET', `${V3}/sync?timeout=0`, { token: dan.token });
      expect(first.status).toBe(200);
      expect(
        await query<{ instance_name: string; state: string }>(
          'SELECT instance_name, state FROM presence WHERE user_id = $1',
          [dan.userId],
        ),
      ).toEqual([{ instance_name: 'main', state: 'online' }]);
      const presence = main.http.app.get(PresenceService);
      await eventually('main hears that dan syncs on the worker', () =>
        presence.isSyncing(dan.userId),
      );

      const mainClock = main.http.app.get(Clock);
      const workerClock = worker.http.app.get(Clock);
      const realNow = Date.now.bind(Date);
      const state = async () =>
        (await main.request('GET', status(dan), { token: dan.token })).body['presence'];
      try {
        // A long-poll on the worker keeps dan online on main however late it gets.
        const poll = worker.request(
          'GET',
          `${V3}/sync?since=${encodeURIComponent(first.body['next_batch'] as string)}&timeout=30000`,
          { token: dan.token },
        );
        mainClock.now = () => realNow() + SYNC_ONLINE_TIMEOUT_MS * 2;
        await presence.expireStoppedSyncs();
        expect(await state()).toBe('online');

        // Once it ends and the worker reports it over, main's timeout counts from then.
        await worker.request('PUT', status(dan), {
          token: dan.token,
          body: { presence: 'online', status_msg: 'end the poll' },
        });
        expect((await poll).status).toBe(200);
        workerClock.now = () => realNow() + SYNC_STOP_DELAY_MS + 1_000;
        await worker.http.app.get(PresenceService).expireStoppedSyncs();
        await eventually(
          'main hears that dan stopped syncing',
          () => !presence.isSyncing(dan.userId),
        );
        mainClock.now = () => realNow() + SYNC_ONLINE_TIMEOUT_MS * 4;
        await presence.expireStoppedSyncs();
        expect(await state()).toBe('offline');
      } finally {
        mainClock.now = realNow;
        workerClock.now = realNow;
      }
    });

    it('a worker that shuts down tells main its syncs are over', async () => {
      const erin = await main.register('erin');
      const worker2 = await TestServer.start('postgres', workerConfig('worker2'), { database });
      let running = true;
      try {
        expect(
          (await worker2.request('GET', `${V3}/sync?timeout=0`, { token: erin.token })).status,
        ).toBe(200);
        const presence = main.http.app.get(PresenceService);
        await eventually('main hears that erin syncs on worker2', () =>
          presence.isSyncing(erin.userId),
        );
        running = false;
        await worker2.stop();
        await eventually(
          'main forgets the syncs of worker2',
          () => !presence.isSyncing(erin.userId),
        );
      } finally {
        if (running) await worker2.stop();
      }
    });
  });

  describe('device lists (main)', () => {
    const deviceListRows = (user: TestUser) =>
      streamRows(
        'SELECT instance_name, stream_id FROM device_lists_stream WHERE user_id = $1 ORDER BY 2',
        [user.userId],
      );
    const writersOfRows = async (user: TestUser) =>
      (await deviceListRows(user)).map(([instance]) => instance);
    const deviceListChanged = (body: Json, user: TestUser) =>
      (((body['device_lists'] as Json | undefined)?.['changed'] as string[]) ?? []).includes(
        user.userId,
      );

    /**
     * The PostgreSQL transactions (`xmin`) that last wrote the device's row, its access tokens and
     * its device-list rows: one means the change and the rows that announce it committed together.
     * Read before any request with the device's token, which would update its last-seen columns.
     */
    async function transactionsOf(userId: string, deviceId: string): Promise<string[]> {
      const rows = await query<{ txn: string }>(
        `SELECT xmin::text AS txn FROM devices WHERE user_id = $1 AND device_id = $2
         UNION ALL SELECT xmin::text FROM access_tokens WHERE user_id = $1 AND device_id = $2
         UNION ALL SELECT xmin::text FROM device_lists_stream WHERE user_id = $1 AND device_id = $2`,
        [userId, deviceId],
      );
      expect(rows).toHaveLength(3);
      return [...new Set(rows.map((r) => r.txn))];
    }

    it('a device renamed through the worker is renamed by main and wakes a room peer’s sync on the persister', async () => {
      const before = (await deviceListRows(alice)).length;
      const since = await sinceNow(persister, bob);
      const woken = syncUntil(persister, bob, since, (b) => deviceListChanged(b, alice));
      const res = await worker.request('PUT', `${V3}/devices/${alice.deviceId}`, {
        token: alice.token,
        body: { display_name: 'phone' },
      });
      expect(res.status).toBe(200);
      const rows = await deviceListRows(alice);
      expect(rows.slice(before).map(([instance]) => instance)).toEqual(['main']);
      const [rename] = await query<{ device: string; row: string }>(
        `SELECT d.xmin::text AS device, s.xmin::text AS row FROM devices d, device_lists_stream s
         WHERE d.user_id = $1 AND d.device_id = $2 AND s.user_id = d.user_id AND s.stream_id = $3`,
        [alice.userId, alice.deviceId, rows[rows.length - 1][1]],
      );
      expect(rename.device).toBe(rename.row);
      await everyProcessPast('device_list', 'main', rows[rows.length - 1][1]);
      await woken;
      expect(
        (await main.request('GET', `${V3}/devices/${alice.deviceId}`, { token: alice.token })).body,
      ).toMatchObject({
        display_name: 'phone',
      });
    });

    it('registration, login and logout on non-writers are made by main with their device-list rows, and wake a room peer’s sync', async () => {
      const frank = await worker.register('frank');
      expect(await writersOfRows(frank)).toEqual(['main']);
      expect(await transactionsOf(frank.userId, frank.deviceId)).toHaveLength(1);
      expect((await join(worker, frank, roomId)).status).toBe(200);

      let since = await sinceNow(persister, bob);
      let woken = syncUntil(persister, bob, since, (b) => deviceListChanged(b, frank));
      const login = await writer.login('frank');
      expect(login.deviceId).not.toBe(frank.deviceId);
      expect(await writersOfRows(frank)).toEqual(['main', 'main']);
      expect(await transactionsOf(frank.userId, login.deviceId)).toHaveLength(1);
      await woken;

      since = await sinceNow(persister, bob);
      woken = syncUntil(persister, bob, since, (b) => deviceListChanged(b, frank));
      const logout = await persister.request('POST', `${V3}/logout`, { token: login.token });
      expect(logout.status).toBe(200);
      expect(await writersOfRows(frank)).toEqual(['main', 'main', 'main']);
      await woken;
      const devices = await main.request('GET', `${V3}/devices`, { token: frank.token });
      expect((devices.body['devices'] as Json[]).map((d) => d['device_id'])).toEqual([
        frank.deviceId,
      ]);
    });

    it('devices deleted, and logged out by a password change or a deactivation, through non-writers are deleted by main', async () => {
      const gil = await worker.register('gil');
      const second = await worker.login('gil');
      const third = await persister.login('gil');
      const who = { token: gil.token, user: 'gil', password: 'correct horse' };
      const remove = await withPasswordAuth(worker, 'POST', `${V3}/delete_devices`, who, {
        devices: [second.deviceId],
      });
      expect(remove.status).toBe(200);
      const password = await withPasswordAuth(persister, 'POST', `${V3}/account/password`, who, {
        new_password: 'another horse',
      });
      expect(password.status).toBe(200);
      expect(await deviceIds(worker, gil.token)).toEqual([gil.deviceId]);
      const deactivate = await withPasswordAuth(writer, 'POST', `${V3}/account/deactivate`, {
        ...who,
        password: 'another horse',
      });
      expect(deactivate.status).toBe(200);

      const rows = await query<{ instance_name: string; device_id: string }>(
        `SELECT instance_name, device_id FROM device_lists_stream WHERE user_id = $1
         ORDER BY stream_id`,
        [gil.userId],
      );
      expect(rows.map((r) => [r.instance_name, r.device_id])).toEqual(
        [gil, second, third, second, third, gil].map((d) => ['main', d.deviceId]),
      );
      expect(await query('SELECT 1 FROM devices WHERE user_id = $1', [gil.userId])).toEqual([]);
    });
  });

  async function sendMessageThrough(
    server: TestServer,
    user: TestUser,
    text: string,
  ): Promise<string> {
    const res = await server.request(
      'PUT',
      roomPath(roomId, `send/m.room.message/${randomBytes(6).toString('hex')}`),
      { token: user.token, body: { msgtype: 'm.text', body: text } },
    );
    expect(res.status).toBe(200);
    return res.body['event_id'] as string;
  }
});
