import { Logger } from '@nestjs/common';
import { Client } from 'pg';

import { StartRefusedError } from '@chat/platform';
import { openDatabase, type Storage } from '@chat/storage';
import { createTestPostgresDatabase, type TestPostgresDatabase, waitUntil } from '@chat/testing';

import { InstanceLock } from './instance-lock';

/** Long enough that a lock which lost its session does not take it back during the test. */
const NEVER_MS = 60_000;

describe('InstanceLock (postgres)', () => {
  let testDb: TestPostgresDatabase;
  let storage: Storage;
  /** Another connection, as another process or an operator would have. */
  let admin: Client;
  const locks: InstanceLock[] = [];
  let errors: jest.SpyInstance;

  beforeAll(async () => {
    testDb = await createTestPostgresDatabase();
    storage = await openDatabase(testDb.config, { instanceName: 'main' });
    admin = new Client({ connectionString: testDb.url });
    await admin.connect();
  });

  beforeEach(() => {
    // What the locks log is asserted where it matters; elsewhere it is noise.
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(locks.splice(0).map((lock) => lock.onApplicationShutdown()));
  });

  afterAll(async () => {
    await admin?.end();
    await storage?.close();
    await testDb?.drop();
  });

  /** A process starting as `name`: resolves once it holds its name, or rejects. */
  async function start(name: string, retakeIntervalMs = NEVER_MS): Promise<InstanceLock> {
    const lock = new InstanceLock(testDb.config, name, storage.instanceIds, retakeIntervalMs);
    locks.push(lock);
    await lock.onModuleInit();
    return lock;
  }

  /** The backends holding `name`'s lock, as the server sees them. */
  async function holders(name: string): Promise<number[]> {
    const id = await storage.instanceIds.idFor(name);
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_locks
        WHERE locktype = 'advisory' AND objsubid = 2 AND objid = $1 AND granted`,
      [id],
    );
    return rows.map((row) => row.pid);
  }

  /** Ends the session holding `name`'s lock, as the server does when its process is killed. */
  async function endHoldingSession(name: string): Promise<number> {
    const [pid] = await holders(name);
    // With a timeout, the call returns once the backend is gone.
    await admin.query('SELECT pg_terminate_backend($1, 5000)', [pid]);
    return pid;
  }

  it('refuses a second process under a worker_name, or a second main, in one line naming it', async () => {
    await start('worker1');
    await start('main');
    await expect(start('worker1')).rejects.toThrow(
      new StartRefusedError(
        'another process already runs as worker_name "worker1" (same database)',
      ),
    );
    await expect(start('main')).rejects.toThrow(
      new StartRefusedError('another process already runs as main (same database)'),
    );
  });

  it('lets processes under other names run alongside, each on a session of its own', async () => {
    await start('worker1');
    await start('worker2');
    const [one] = await holders('worker1');
    const [two] = await holders('worker2');
    expect(one).not.toBe(two);
  });

  it('frees the name when its holder shuts down', async () => {
    const first = await start('worker1');
    await first.onApplicationShutdown();
    expect(await holders('worker1')).toEqual([]);
    await expect(start('worker1')).resolves.toBeInstanceOf(InstanceLock);
  });

  it("frees the name as soon as the holder's session ends, as when its process is SIGKILLed", async () => {
    await start('persister1');
    await endHoldingSession('persister1');
    await expect(start('persister1')).resolves.toBeInstanceOf(InstanceLock);
  });

  it('takes its name again when its session drops, and says so when another process took it', async () => {
    await start('worker1', 20);
    const lost = await endHoldingSession('worker1');
    await waitUntil(
      'the holder to take its name again on a new session',
      async () => (await holders('worker1')).some((pid) => pid !== lost),
      5_000,
    );
    await expect(start('worker1')).rejects.toThrow(StartRefusedError);

    await start('worker2', 500);
    await endHoldingSession('worker2');
    // Before the holder tries again:
    await start('worker2');
    await waitUntil(
      "the holder's complaint",
      () =>
        errors.mock.calls.some(
          ([message]) =>
            message ===
            'another process now runs as worker_name "worker2" (same database): stop one of them',
        ),
      5_000,
    );
  });
});
