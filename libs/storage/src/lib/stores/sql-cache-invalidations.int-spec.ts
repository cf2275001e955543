import { STREAM_NAMES } from '@chat/streams';
import { testDatabaseConfigs, type TestDatabase } from '@chat/testing';
import { openDatabase, type Storage } from '../open-database';
import { CACHE_NAMES } from '../ports/cache-invalidations';

const TOKENS = CACHE_NAMES.accessTokens;
const alice = '@alice:test';

describe.each(testDatabaseConfigs())('cache invalidations on %s', (_engine, create) => {
  let testDb: TestDatabase;
  const opened: Storage[] = [];
  const open = async (instanceName: string, sharedWithOtherProcesses: boolean) => {
    const storage = await openDatabase(testDb.config, { instanceName, sharedWithOtherProcesses });
    opened.push(storage);
    // Token lookups find tokens of existing users only; the second process finds her there.
    await storage.accounts.createUser({
      userId: alice,
      passwordHash: null,
      isAdmin: false,
      isGuest: false,
      createdTs: 1,
    });
    return storage;
  };
  const rows = (storage: Storage) =>
    storage.database.query<{ instance_name: string; cache_func: string; keys: string | null }>(
      `SELECT instance_name, cache_func, keys FROM cache_invalidation_stream_by_instance
       ORDER BY stream_id`,
    );
  const issue = (storage: Storage, hash: string, deviceId = 'D1') =>
    storage.devices.addAccessToken({
      tokenHash: hash,
      userId: alice,
      deviceId,
      validUntilMs: null,
    });

  beforeEach(async () => {
    testDb = await create();
  });

  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close();
    await testDb.drop();
  });

  it('a monolith forgets deleted tokens itself and writes no stream rows', async () => {
    const storage = await open('main', false);
    const id = await issue(storage, 'h1');
    expect(await storage.devices.getAccessToken('h1')).not.toBeNull();
    await storage.devices.deleteAccessToken(id);
    expect(await storage.devices.getAccessToken('h1')).toBeNull();
    expect(await rows(storage)).toEqual([]);
  });

  it('worker mode writes a row per token deletion, in the deletion’s transaction', async () => {
    const storage = await open('worker1', true);
    await issue(storage, 'h2', 'D1');
    await issue(storage, 'h1', 'D1');
    await issue(storage, 'h3', 'D2');
    await storage.devices.deleteDevices(alice, ['D1']);
    await expect(
      storage.database.runInteraction('logoutThenFail', async (txn) => {
        await storage.devices.deleteAccessTokensForUser(alice, undefined, txn);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    // Rolled back: the token is still there, and no one was told otherwise.
    expect(await storage.devices.getAccessToken('h3')).not.toBeNull();
    expect(await rows(storage)).toEqual([
      { instance_name: 'worker1', cache_func: TOKENS, keys: '[["h1"],["h2"]]' },
    ]);
    // The rolled-back id was finished too, or the stream's position would stop below it.
    const before = storage.idGenerators.get(STREAM_NAMES.caches).currentToken();
    await storage.devices.deleteAccessTokensForUser(alice);
    expect(storage.idGenerators.get(STREAM_NAMES.caches).currentToken()).toBeGreaterThan(before);
    expect((await rows(storage)).map((row) => row.keys)).toEqual(['[["h1"],["h2"]]', '[["h3"]]']);
  });

  it('another process’s invalidation drops the token from this process’s cache', async () => {
    const here = await open('worker1', true);
    const elsewhere = await open('worker2', true);
    const id = await issue(here, 'h4');
    await issue(here, 'h5');
    expect(await here.devices.getAccessToken('h4')).not.toBeNull();
    expect(await here.devices.getAccessToken('h5')).not.toBeNull();

    await elsewhere.devices.deleteAccessToken(id);
    // Until the invalidation arrives, this process answers from memory ...
    expect(await here.devices.getAccessToken('h4')).not.toBeNull();
    here.cacheInvalidations.received(TOKENS, ['h4']);
    // ... and after it, from the database.
    expect(await here.devices.getAccessToken('h4')).toBeNull();
    expect(await here.devices.getAccessToken('h5')).not.toBeNull();

    // The whole cache (null keys); names this version does not know are ignored.
    await elsewhere.devices.deleteAccessTokensForUser(alice);
    here.cacheInvalidations.received('get_users_in_room', ['!r:test']);
    expect(await here.devices.getAccessToken('h5')).not.toBeNull();
    here.cacheInvalidations.received(TOKENS, null);
    expect(await here.devices.getAccessToken('h5')).toBeNull();
  });

  it('gives each cache one receiver', async () => {
    const storage = await open('main', false);
    expect(() => storage.cacheInvalidations.register(TOKENS, () => undefined)).toThrow(
      /has a receiver already/,
    );
  });

  it('prunes rows written before a time, oldest first, a batch at a time', async () => {
    const storage = await open('worker1', true);
    for (const hash of ['old1', 'old2', 'old3']) {
      await storage.devices.deleteAccessToken(await issue(storage, hash));
    }
    const cut = Date.now() + 1;
    while (Date.now() < cut) await new Promise((resolve) => setTimeout(resolve, 1));
    await storage.devices.deleteAccessToken(await issue(storage, 'new'));

    expect(await storage.cacheInvalidations.pruneBefore(cut, 2)).toBe(2);
    expect((await rows(storage)).map((row) => row.keys)).toEqual(['[["old3"]]', '[["new"]]']);
    expect(await storage.cacheInvalidations.pruneBefore(cut, 2)).toBe(1);
    expect(await storage.cacheInvalidations.pruneBefore(cut, 2)).toBe(0);
    expect((await rows(storage)).map((row) => row.keys)).toEqual(['[["new"]]']);
  });
});
