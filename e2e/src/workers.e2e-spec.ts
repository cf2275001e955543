import { type MatrixClient, Preset, RoomEvent, RoomMemberEvent, SyncState } from 'matrix-js-sdk';
import { Client } from 'pg';

// Each event's writer is checked against the very hash the processes shard rooms with.
import { instanceFor } from '@chat/streams';
import { OpenApiValidator } from '@chat/testing';

import { matrixError } from './support/matrix-error';
import { type RequestCount, requestCounts } from './support/metrics';
import { SdkHarness } from './support/sdk-harness';
import { settleSdkForSyncLoops } from './support/sdk-process';
import { waitFor, waitForSyncState } from './support/sdk-wait';
import { WorkerDeployment } from './support/worker-deployment';

const PERSISTERS = ['persister1', 'persister2'];
const GENERIC_WORKERS = ['worker1', 'worker2'];
/**
 * nginx hashes `/sync` by user over a consistent-hash ring of the two workers, whose ports
 * change every run: with this many users, the chance that one worker gets none is about 2^-15.
 */
const USERS = 16;
/** Rooms hash to persisters; more are created (up to the max) until each persister has one. */
const MIN_ROOMS = 4;
const MAX_ROOMS = 24;

/** Requests per process, counted by its own metrics. */
type Counts = Map<string, RequestCount[]>;

const SYNC = /\/sync$/;
const REGISTER = /\/register$/;
const SEND = /\/rooms\/:roomId\/send\//;
const TYPING = /\/rooms\/:roomId\/typing\//;
const REPLICATION = /^\/_chat\/replication\//;
/** A path of the `send_events` replication endpoint, which event persisters serve. */
const SEND_EVENTS = '/_chat/replication/send_events/txn1';

/** The processes that answered requests whose route pattern matches `endpoint`. */
function servedBy(counts: Counts, endpoint: RegExp): string[] {
  return [...counts]
    .filter(([, series]) => series.some((s) => endpoint.test(s.endpoint) && s.count > 0))
    .map(([name]) => name)
    .sort();
}

settleSdkForSyncLoops();

/**
 * The worker deployment of docs/worker-mode.md behind the nginx config that `npm run
 * proxy-config` generates, on real PostgreSQL and Redis. Unmodified matrix-js-sdk clients talk
 * to nginx only; each process's own metrics and the events table then show who did the work.
 */
describe('worker mode behind nginx (postgres, redis)', () => {
  let deployment: WorkerDeployment;
  let sdk: SdkHarness;
  let clients: MatrixClient[];
  const rooms: string[] = [];

  beforeAll(async () => {
    deployment = await WorkerDeployment.start({
      main: [['client'], ['replication'], ['metrics']],
      workers: {
        worker1: [['client'], ['metrics']],
        worker2: [['client'], ['metrics']],
        persister1: [['replication'], ['metrics']],
        persister2: [['replication'], ['metrics']],
        typing1: [['client'], ['replication'], ['metrics']],
        background1: [['health', 'metrics']],
      },
      topology: {
        stream_writers: { events: PERSISTERS, typing: ['typing1'] },
        run_background_tasks_on: 'background1',
      },
    });
    sdk = new SdkHarness(deployment.baseUrl, '/_matrix', await OpenApiValidator.load());
  }, 60_000);

  afterAll(async () => {
    sdk?.stopAll();
    await deployment?.stop();
  });

  /** Every process's request counts, from its own metrics listener. */
  async function countsByProcess(): Promise<Counts> {
    const names = deployment.names;
    const counts = await Promise.all(
      names.map((name) => requestCounts(deployment.url(name, 'metrics'))),
    );
    return new Map(names.map((name, i) => [name, counts[i]]));
  }

  it('registers users through nginx with user-interactive auth, whichever worker takes each step', async () => {
    clients = await Promise.all(
      Array.from({ length: USERS }, async (_, i) => {
        const anonymous = sdk.client();
        const username = `user${i}`;
        const password = `password of ${username}`;
        // The two steps may reach different workers: the UIA session must be shared.
        const challenge = await matrixError(anonymous.registerRequest({ username, password }));
        const { session } = challenge.data as { session?: string };
        const registered = await anonymous.registerRequest({
          username,
          password,
          auth: { type: 'm.login.dummy', session },
        });
        return sdk.client({
          userId: registered.user_id,
          accessToken: registered.access_token,
          deviceId: registered.device_id,
        });
      }),
    );
    expect(clients.map((c) => c.getUserId())).toEqual(
      Array.from({ length: USERS }, (_, i) => `@user${i}:localhost`),
    );
  });

  it('creates rooms on both persisters and lets every user join each', async () => {
    const owners = new Set<string>();
    while (rooms.length < MIN_ROOMS || owners.size < PERSISTERS.length) {
      if (rooms.length === MAX_ROOMS)
        throw new Error(`${MAX_ROOMS} rooms all hash to ${[...owners].join(', ')}`);
      const creator = clients[rooms.length % USERS];
      const { room_id: roomId } = await creator.createRoom({
        name: `room ${rooms.length}`,
        preset: Preset.PublicChat,
      });
      rooms.push(roomId);
      owners.add(instanceFor(roomId, PERSISTERS));
    }
    await Promise.all(
      clients.map(async (client, i) => {
        for (const [r, roomId] of rooms.entries())
          if (r % USERS !== i) await client.joinRoom(roomId);
      }),
    );
  });

  it("delivers every user's message to every user's sync loop", async () => {
    await Promise.all(clients.map((c) => c.startClient()));
    await Promise.all(clients.map((c) => waitForSyncState(c, [SyncState.Syncing])));

    const bodies = clients.map((_, i) => `hello from user${i}`);
    const roomOf = (i: number): string => rooms[i % rooms.length];
    const everythingArrived = clients.map((client) =>
      waitFor(client, [RoomEvent.Timeline], `every message at ${client.getUserId()}`, () =>
        bodies.every((body, i) =>
          client
            .getRoom(roomOf(i))
            ?.getLiveTimeline()
            .getEvents()
            .some((e) => e.getContent()['body'] === body),
        ),
      ),
    );
    await Promise.all(clients.map((client, i) => client.sendTextMessage(roomOf(i), bodies[i])));
    await Promise.all(everythingArrived);
  });

  it('shows typing to the other users while it lasts', async () => {
    const [typist, watcher] = clients;
    const typistId = typist.getUserId() as string;
    const typing = (value: boolean) =>
      waitFor(watcher, [RoomMemberEvent.Typing], `${typistId} typing: ${value}`, () =>
        watcher.getRoom(rooms[0])?.getMember(typistId)?.typing === value ? true : undefined,
      );
    const started = typing(true);
    await typist.sendTyping(rooms[0], true, 30_000);
    await started;
    const stopped = typing(false);
    await typist.sendTyping(rooms[0], false, 0);
    await stopped;
  });

  it('served /sync and registration on both generic workers and nowhere else', async () => {
    const counts = await countsByProcess();
    expect(servedBy(counts, SYNC)).toEqual(GENERIC_WORKERS);
    expect(servedBy(counts, REGISTER)).toEqual(GENERIC_WORKERS);
  });

  it('took sends on the generic workers only, which handed them to both persisters', async () => {
    const counts = await countsByProcess();
    const senders = servedBy(counts, SEND);
    expect(senders.length).toBeGreaterThan(0);
    expect(senders.filter((name) => !GENERIC_WORKERS.includes(name))).toEqual([]);
    // Sends and joins reach a room's persister over HTTP replication.
    expect(servedBy(counts, REPLICATION)).toEqual(expect.arrayContaining(PERSISTERS));
  });

  it('took typing on the typing writer only', async () => {
    expect(servedBy(await countsByProcess(), TYPING)).toEqual(['typing1']);
  });

  it("persisted every event on its room's persister, and on both persisters", async () => {
    const db = new Client({ connectionString: deployment.databaseUrl });
    await db.connect();
    let rows: Array<{ instance_name: string; room_id: string }>;
    try {
      ({ rows } = await db.query('SELECT instance_name, room_id FROM events'));
    } finally {
      await db.end();
    }
    const misplaced = rows
      .map((r) => ({ ...r, owner: instanceFor(r.room_id, PERSISTERS) }))
      .filter((r) => r.instance_name !== r.owner)
      .map((r) => `${r.room_id} (${r.owner}'s) written by ${r.instance_name}`);
    expect([...new Set(misplaced)]).toEqual([]);
    expect([...new Set(rows.map((r) => r.room_id))].sort()).toEqual([...rooms].sort());
    expect([...new Set(rows.map((r) => r.instance_name))].sort()).toEqual(PERSISTERS);
  });

  it('keeps the replication API off the public side, however it is spelled', async () => {
    // A persister serves it on its replication listener, to callers with the secret…
    const direct = await fetch(`${deployment.url('persister1', 'replication')}${SEND_EVENTS}`, {
      method: 'POST',
      body: '{}',
    });
    expect(direct.status).toBe(403);
    // …and nginx answers 404 itself, for every spelling that means the same path.
    for (const path of [SEND_EVENTS, '/_chat/%72eplication/send_events/txn1', `/${SEND_EVENTS}`]) {
      const res = await fetch(`${deployment.baseUrl}${path}`, { method: 'POST', body: '{}' });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
  });

  it('sent every request under /_matrix and got only responses that match the spec', () => {
    expect(sdk.sentPaths.filter((p) => !p.startsWith('/_matrix/'))).toEqual([]);
    expect(sdk.violations).toEqual([]);
  });
});
