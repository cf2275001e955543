import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  Direction,
  Filter,
  type MatrixClient,
  MatrixError,
  Preset,
  RoomEvent,
  SyncState,
} from 'matrix-js-sdk';
import { parse as parseYaml, stringify as toYaml } from 'yaml';

import { STREAM_WRITER_NAMES } from '@chat/config';
// Rooms are placed on persisters with the very hash the processes shard them with.
import { instanceFor } from '@chat/streams';
import {
  findFreePort,
  OpenApiValidator,
  OwnRedisServer,
  registerWithSharedSecret,
  waitUntil,
} from '@chat/testing';

import { putMessage } from './support/messages';
import { requestCounts } from './support/metrics';
import { pooled } from './support/pooled';
import { paginateMessages } from './support/room-api';
import { SdkHarness } from './support/sdk-harness';
import { settleSdkForSyncLoops } from './support/sdk-process';
import { waitFor, waitForSyncState } from './support/sdk-wait';
import { WorkerDeployment } from './support/worker-deployment';

const PERSISTERS = ['persister1', 'persister2'];
const GENERIC_WORKERS = ['worker1', 'worker2'];
const SHARED_SECRET = 'registration secret of the fault suite';
/** Senders per room, each sending one message after another, as a client does. */
const SENDERS_PER_ROOM = 2;
/** Rooms are created until each persister has one; never more than this. */
const MAX_ROOMS = 24;
/** Receivers are added until the two generic workers serve their syncs; never more than this. */
const MAX_RECEIVERS = 12;
/** Acknowledged sends each phase of a fault waits for: traffic before, during and after it. */
const PROGRESS = 4;
/** Every event of a run fits in one sync, so a receiver sees each one live (no limited gap). */
const SYNC_TIMELINE_LIMIT = 1_000;
/** The bound for syncs to resume once Redis is back. */
const RESUME_WITHIN_MS = 5_000;
/** A phase's deadline: sends to a killed persister wait out the replication retries (2 s, 4 s…). */
const PHASE_MS = 40_000;

const SYNC = /\/sync$/;

/** One `PUT /send` with its own transaction id, and how it ended. */
interface Send {
  txnId: string;
  roomId: string;
  sender: MatrixClient;
  eventId?: string;
  /** HTTP status and errcode, or the network error, of a send that got no 200. */
  failure?: string;
}

/** A send that got its 200. */
type Acknowledged = Send & { eventId: string };

/** Messages sent one after another on each lane (sender and room) until `stop()`. */
class Traffic {
  readonly sends: Send[] = [];
  private running = true;
  private readonly lanes: Promise<void>[];

  constructor(name: string, lanes: Array<{ sender: MatrixClient; roomId: string }>) {
    this.lanes = lanes.map((lane, i) => this.run(`${name}-${i}`, lane.sender, lane.roomId));
  }

  /** The sends that got a 200: in `roomId` if given, made after the `from`-th send. */
  acknowledged({ roomId, from = 0 }: { roomId?: string; from?: number } = {}): Acknowledged[] {
    return this.sends
      .slice(from)
      .filter(
        (s): s is Acknowledged => s.eventId !== undefined && (!roomId || s.roomId === roomId),
      );
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.lanes);
  }

  private async run(lane: string, sender: MatrixClient, roomId: string): Promise<void> {
    for (let n = 0; this.running; n++) {
      const send: Send = { txnId: `${lane}-${n}`, roomId, sender };
      this.sends.push(send);
      try {
        send.eventId = (await resend(send)).event_id;
      } catch (err) {
        send.failure =
          err instanceof MatrixError ? `${err.httpStatus} ${err.errcode}` : String(err);
      }
    }
  }
}

/** The message's body is its transaction id, so `/messages` tells which send made an event. */
function resend(send: Send): Promise<{ event_id: string }> {
  return putMessage(send.sender, send.roomId, send.txnId, send.txnId);
}

settleSdkForSyncLoops();

/**
 * Faults in the worker deployment of docs/worker-mode.md, behind the nginx config that
 * `npm run proxy-config` generates, on real PostgreSQL and on a Redis of the suite's own, which it
 * kills. Senders keep sending through nginx (each send has its own transaction id) while a fault
 * happens; matrix-js-sdk sync loops, spread over both generic workers, receive.
 */
describe('worker mode under faults (postgres, own redis, nginx)', () => {
  let redis: OwnRedisServer;
  let deployment: WorkerDeployment;
  let sdk: SdkHarness;
  /** One room per persister, by persister. */
  const rooms = new Map<string, string>();
  let senders: Array<{ sender: MatrixClient; roomId: string }>;
  const receivers: Array<{ client: MatrixClient; seen: Set<string> }> = [];

  beforeAll(async () => {
    redis = new OwnRedisServer(await findFreePort());
    await redis.start();
    deployment = await WorkerDeployment.start({
      main: [['client'], ['replication'], ['metrics']],
      workers: {
        worker1: [['client'], ['metrics']],
        worker2: [['client'], ['metrics']],
        persister1: [['replication'], ['metrics']],
        persister2: [['replication'], ['metrics']],
      },
      topology: {
        stream_writers: { events: PERSISTERS },
        registration_shared_secret: SHARED_SECRET,
      },
      redis: { host: '127.0.0.1', port: redis.port },
    });
    sdk = new SdkHarness(deployment.baseUrl, '/_matrix', await OpenApiValidator.load());
  }, 60_000);

  afterAll(async () => {
    sdk?.stopAll();
    await deployment?.stop();
    await redis?.kill();
  });

  /** A new user's client; registration goes to main directly (the admin API is not proxied). */
  async function user(username: string): Promise<MatrixClient> {
    const registered = await registerWithSharedSecret(
      deployment.url('main', 'client'),
      SHARED_SECRET,
      {
        username,
        password: `password of ${username}`,
        admin: false,
      },
    );
    return sdk.client({
      userId: registered.user_id,
      accessToken: registered.access_token,
      deviceId: registered.device_id,
    });
  }

  /** The generic workers that have answered a /sync, by their own metrics. */
  async function syncingWorkers(): Promise<string[]> {
    const counts = await Promise.all(
      GENERIC_WORKERS.map((name) => requestCounts(deployment.url(name, 'metrics'))),
    );
    return GENERIC_WORKERS.filter((_, i) =>
      counts[i].some((c) => SYNC.test(c.endpoint) && c.count > 0),
    );
  }

  /** Resolves once every receiver's sync loop has delivered the events of every one of `sends`. */
  function everyReceiverGets(sends: Acknowledged[], what: string): Promise<unknown> {
    return Promise.all(
      receivers.map(({ client, seen }) =>
        waitFor(client, [RoomEvent.Timeline], `${what} at ${client.getUserId()}`, () =>
          sends.every((s) => seen.has(s.eventId)),
        ),
      ),
    );
  }

  /** Every message in the room by `/messages`: event id and body (the send's txn id). */
  async function messages(roomId: string): Promise<Array<{ eventId: string; body: unknown }>> {
    const pages = await paginateMessages(receivers[0].client, roomId, Direction.Forward, 100);
    return pages
      .flatMap((page) => page.chunk)
      .filter((e) => e.type === 'm.room.message')
      .map((e) => ({ eventId: e.event_id, body: e.content['body'] }));
  }

  /** The txn ids of `sends` whose events `/messages` does not have. */
  async function missingFromMessages(sends: Acknowledged[]): Promise<string[]> {
    const missing: string[] = [];
    for (const roomId of rooms.values()) {
      const inRoom = new Set((await messages(roomId)).map((m) => m.eventId));
      for (const s of sends)
        if (s.roomId === roomId && !inRoom.has(s.eventId)) missing.push(s.txnId);
    }
    return missing;
  }

  it('sets up a room on each persister, senders in each, and receivers syncing on both generic workers', async () => {
    const creator = await user('creator');
    for (let r = 0; rooms.size < PERSISTERS.length; r++) {
      if (r === MAX_ROOMS) throw new Error(`${MAX_ROOMS} rooms all hash to ${[...rooms.keys()]}`);
      const { room_id: roomId } = await creator.createRoom({
        name: `room ${r}`,
        preset: Preset.PublicChat,
      });
      const persister = instanceFor(roomId, PERSISTERS);
      if (!rooms.has(persister)) rooms.set(persister, roomId);
    }
    senders = [];
    for (const [persister, roomId] of rooms) {
      for (let i = 0; i < SENDERS_PER_ROOM; i++) {
        const sender = await user(`sender${i}-${persister}`);
        await sender.joinRoom(roomId);
        senders.push({ sender, roomId });
      }
    }

    // nginx hashes each user's /sync to one generic worker: with receivers on both, every
    // message reaches a sync on a worker other than the one that took its send.
    while ((await syncingWorkers()).length < GENERIC_WORKERS.length) {
      if (receivers.length === MAX_RECEIVERS) {
        throw new Error(`${MAX_RECEIVERS} receivers all sync on ${await syncingWorkers()}`);
      }
      const client = await user(`receiver${receivers.length}`);
      for (const roomId of rooms.values()) await client.joinRoom(roomId);
      const seen = new Set<string>();
      client.on(RoomEvent.Timeline, (event, _room, toStartOfTimeline) => {
        const id = event.getId();
        if (!toStartOfTimeline && id) seen.add(id);
      });
      const filter = new Filter(client.getUserId());
      filter.setDefinition({ room: { timeline: { limit: SYNC_TIMELINE_LIMIT } } });
      await client.startClient({ filter });
      await waitForSyncState(client, [SyncState.Syncing]);
      receivers.push({ client, seen });
    }
    expect(await syncingWorkers()).toEqual(GENERIC_WORKERS);
  });

  it('answers a replication request without the secret, or with a wrong one, 403 with a Matrix error', async () => {
    // main writes typing here, so it serves the typing stream's updates.
    const url =
      `${deployment.url('main', 'replication')}` +
      '/_chat/replication/get_repl_stream_updates/typing?from_token=0&upto_token=0';
    const ask = async (authorization?: string) => {
      const res = await fetch(url, { headers: authorization ? { authorization } : {} });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const forbidden = { status: 403, body: { errcode: 'M_FORBIDDEN', error: expect.any(String) } };
    expect(await ask()).toEqual(forbidden);
    expect(await ask('Bearer not-the-secret')).toEqual(forbidden);
    expect(await ask(`Bearer ${deployment.replicationSecret}`)).toMatchObject({ status: 200 });
  });

  it('loses no event when Redis restarts mid-traffic, and syncs resume within 5 s of it coming back', async () => {
    const traffic = new Traffic('redis', senders);
    try {
      await waitUntil(
        'sends before the fault',
        () => traffic.acknowledged().length >= PROGRESS,
        PHASE_MS,
      );
      await redis.kill();
      const atKill = traffic.acknowledged().length;
      // Persisters write without the bus; the workers answer once they stop waiting for it.
      await waitUntil(
        'sends while Redis is down',
        () => traffic.acknowledged().length >= atKill + PROGRESS,
        PHASE_MS,
      );
      await redis.start();
      const back = Date.now();
      const first = traffic.sends.length;
      await waitUntil(
        'a 200 for a send made after Redis came back',
        () => traffic.acknowledged({ from: first }).length > 0,
        RESUME_WITHIN_MS,
      );
      await everyReceiverGets(
        traffic.acknowledged({ from: first }),
        'messages sent after Redis came back',
      );
      expect(Date.now() - back).toBeLessThan(RESUME_WITHIN_MS);
    } finally {
      await traffic.stop();
    }

    // Redis is not on the way of a send: every one got its 200.
    expect(traffic.sends.filter((s) => s.failure)).toEqual([]);
    const acknowledged = traffic.acknowledged();
    await everyReceiverGets(acknowledged, 'every acknowledged message');
    expect(await missingFromMessages(acknowledged)).toEqual([]);
  }, 120_000);

  it('keeps every acknowledged send through a SIGKILL of an event persister, and a resent txn id gets its event id once it is back', async () => {
    const victim = PERSISTERS[0];
    const victimRoom = rooms.get(victim) ?? '';
    const otherRoom = rooms.get(PERSISTERS[1]) ?? '';
    const traffic = new Traffic('kill', senders);
    try {
      await waitUntil(
        'sends in both rooms before the fault',
        () =>
          traffic.acknowledged({ roomId: victimRoom }).length >= PROGRESS &&
          traffic.acknowledged({ roomId: otherRoom }).length >= PROGRESS,
        PHASE_MS,
      );
      await deployment.kill(victim, 'SIGKILL');
      const atKill = traffic.acknowledged({ roomId: otherRoom }).length;
      await waitUntil(
        `sends to the other persister's room while ${victim} is down`,
        () => traffic.acknowledged({ roomId: otherRoom }).length >= atKill + PROGRESS,
        PHASE_MS,
      );
      // At once: the killed process's session is gone, and its lock on its name with it.
      await deployment.restart(victim);
      const atRestart = traffic.acknowledged({ roomId: victimRoom }).length;
      await waitUntil(
        `sends to ${victim}'s room once it is back`,
        () => traffic.acknowledged({ roomId: victimRoom }).length >= atRestart + PROGRESS,
        PHASE_MS,
      );
    } finally {
      await traffic.stop();
    }

    const acknowledged = traffic.acknowledged();
    expect(await missingFromMessages(acknowledged)).toEqual([]);
    await everyReceiverGets(acknowledged, 'every acknowledged message');

    // Every txn id again, the failed ones too: a send that failed may still have been written.
    const resent = await pooled(traffic.sends.length, senders.length, (i) =>
      resend(traffic.sends[i]),
    );
    const changed = traffic.sends.filter((s, i) => s.eventId && s.eventId !== resent[i].event_id);
    expect(changed.map((s) => s.txnId)).toEqual([]);
    // One event per txn id, the one the resend named.
    const txnIds = new Set(traffic.sends.map((s) => s.txnId));
    const events = [...(await messages(victimRoom)), ...(await messages(otherRoom))].filter(
      (m) => typeof m.body === 'string' && txnIds.has(m.body),
    );
    expect(events.map((m) => m.body).sort()).toEqual([...txnIds].sort());
    expect(events.map((m) => m.eventId).sort()).toEqual(resent.map((r) => r.event_id).sort());
  }, 180_000);

  describe('refusals at start: exit 1, and one line naming the problem (no stack trace)', () => {
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'chat-e2e-refusals-'));
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    /** The deployment's shared config with `change` applied, as a file of its own. */
    async function sharedWith(
      name: string,
      change: (shared: Record<string, unknown>) => void,
    ): Promise<string> {
      const [sharedPath] = deployment.configPaths('main');
      const shared = parseYaml(await readFile(sharedPath, 'utf8')) as Record<string, unknown>;
      change(shared);
      const path = join(dir, `${name}.yaml`);
      await writeFile(path, toYaml(shared));
      return path;
    }

    /** worker1 started on the changed shared config and its own worker file. */
    async function worker1With(name: string, change: (shared: Record<string, unknown>) => void) {
      const [, own] = deployment.configPaths('worker1');
      const shared = await sharedWith(name, change);
      return { shared, exit: await deployment.runUntilExit('worker1', [shared, own]) };
    }

    it("refuses workers on SQLite: a worker's config, and main's whose instance_map names workers", async () => {
      const { shared, exit } = await worker1With('sqlite', (config) => {
        config['database'] = { name: 'sqlite3', args: { database: join(dir, 'homeserver.db') } };
      });
      const refusal = {
        code: 1,
        output: `Invalid configuration: ${shared}: database.name: expected psycopg2 (PostgreSQL) when workers are used\n`,
      };
      expect(exit).toEqual(refusal);
      expect(await deployment.runUntilExit('main', [shared])).toEqual(refusal);
    });

    it('refuses a stream writer missing from instance_map', async () => {
      const { shared, exit } = await worker1With('missing-writer', (config) => {
        config['stream_writers'] = { events: [...PERSISTERS, 'persister3'] };
      });
      expect(exit).toEqual({
        code: 1,
        output: `Invalid configuration: ${shared}: stream_writers.events: expected "persister3" to be listed in instance_map\n`,
      });
    });

    it('refuses an unknown stream in stream_writers', async () => {
      const { shared, exit } = await worker1With('unknown-stream', (config) => {
        config['stream_writers'] = { events: PERSISTERS, reciepts: ['main'] };
      });
      expect(exit).toEqual({
        code: 1,
        output: `Invalid configuration: ${shared}: stream_writers.reciepts: expected a stream name (${STREAM_WRITER_NAMES.join(', ')})\n`,
      });
    });

    it('refuses a second process under a running worker_name, and a second main', async () => {
      expect(await deployment.runUntilExit('worker1')).toEqual({
        code: 1,
        output: 'another process already runs as worker_name "worker1" (same database)\n',
      });
      expect(await deployment.runUntilExit('main')).toEqual({
        code: 1,
        output: 'another process already runs as main (same database)\n',
      });
    });
  });
});
