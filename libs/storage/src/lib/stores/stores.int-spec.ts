import { testDatabaseConfigs, type TestDatabase } from '@chat/testing';
import { openDatabase, type Storage } from '../open-database';

const alice = '@alice:test';

describe.each(testDatabaseConfigs())('stores on %s', (_engine, create) => {
  let testDb: TestDatabase;
  let storage: Storage;

  beforeAll(async () => {
    testDb = await create();
    storage = await openDatabase(testDb.config, { instanceName: 'main' });
    await storage.accounts.createUser({
      userId: alice,
      passwordHash: 'hash1',
      isAdmin: false,
      isGuest: false,
      createdTs: 1000,
    });
  });

  afterAll(async () => {
    await storage.close();
    await testDb.drop();
  });

  describe('AccountStore', () => {
    it('creates a user with an empty profile and refuses a taken id', async () => {
      expect(await storage.accounts.getUser(alice)).toEqual({
        userId: alice,
        passwordHash: 'hash1',
        isAdmin: false,
        isGuest: false,
        deactivated: false,
        createdTs: 1000,
      });
      expect(await storage.accounts.getProfile(alice)).toEqual({
        displayname: null,
        avatarUrl: null,
      });
      const again = {
        userId: alice,
        passwordHash: null,
        isAdmin: true,
        isGuest: true,
        createdTs: 2,
      };
      expect(await storage.accounts.createUser(again)).toBe(false);
      expect(await storage.accounts.getUser('@nobody:test')).toBeNull();
      expect(await storage.accounts.getProfile('@nobody:test')).toBeNull();
    });

    it('creates users inside a caller transaction, rolled back with it', async () => {
      const user = {
        userId: '@temp:test',
        passwordHash: null,
        isAdmin: false,
        isGuest: true,
        createdTs: 3,
      };
      await expect(
        storage.database.runInteraction('register', async (txn) => {
          expect(await storage.accounts.createUser(user, txn)).toBe(true);
          expect((await storage.accounts.getUser(user.userId, txn))?.isGuest).toBe(true);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await storage.accounts.getUser(user.userId)).toBeNull();
    });

    it('finds user ids case-insensitively', async () => {
      await storage.accounts.createUser({
        userId: '@Bob:test',
        passwordHash: null,
        isAdmin: false,
        isGuest: false,
        createdTs: 1,
      });
      expect(await storage.accounts.findUserIdsCaseInsensitive('@bob:TEST')).toEqual(['@Bob:test']);
      expect(await storage.accounts.findUserIdsCaseInsensitive('@carol:test')).toEqual([]);
    });

    it('sets the password hash and deactivates', async () => {
      await storage.accounts.setPasswordHash(alice, 'hash2');
      expect((await storage.accounts.getUser(alice))?.passwordHash).toBe('hash2');
      await storage.accounts.createUser({
        userId: '@gone:test',
        passwordHash: 'x',
        isAdmin: false,
        isGuest: false,
        createdTs: 1,
      });
      await storage.accounts.setPasswordHash('@gone:test', null);
      await storage.accounts.markDeactivated('@gone:test');
      expect(await storage.accounts.getUser('@gone:test')).toMatchObject({
        passwordHash: null,
        deactivated: true,
      });
    });

    it('sets the display name and avatar independently', async () => {
      await storage.accounts.setDisplayname(alice, 'Alice');
      await storage.accounts.setAvatarUrl(alice, 'mxc://test/a');
      expect(await storage.accounts.getProfile(alice)).toEqual({
        displayname: 'Alice',
        avatarUrl: 'mxc://test/a',
      });
      await storage.accounts.setDisplayname(alice, null);
      expect(await storage.accounts.getProfile(alice)).toEqual({
        displayname: null,
        avatarUrl: 'mxc://test/a',
      });
    });
  });

  describe('DeviceStore', () => {
    const dave = '@dave:test';

    beforeAll(async () => {
      await storage.accounts.createUser({
        userId: dave,
        passwordHash: null,
        isAdmin: false,
        isGuest: true,
        createdTs: 1,
      });
    });

    it('upserts devices, keeping an existing display name', async () => {
      expect(await storage.devices.upsertDevice(dave, 'D1', 'Phone')).toBe(true);
      expect(await storage.devices.upsertDevice(dave, 'D1', 'Other')).toBe(false);
      expect(await storage.devices.getDevice(dave, 'D1')).toEqual({
        userId: dave,
        deviceId: 'D1',
        displayName: 'Phone',
        lastSeenTs: null,
        lastSeenIp: null,
        lastSeenUserAgent: null,
      });
      expect(await storage.devices.getDevice(dave, 'nope')).toBeNull();
    });

    it('renames devices and reports a missing one', async () => {
      expect(await storage.devices.setDisplayName(dave, 'D1', 'Renamed')).toBe(true);
      expect((await storage.devices.getDevice(dave, 'D1'))?.displayName).toBe('Renamed');
      expect(await storage.devices.setDisplayName(dave, 'missing', 'x')).toBe(false);
    });

    it('records last seen', async () => {
      await storage.devices.recordLastSeen(dave, 'D1', '10.0.0.1', 'agent/1', 1_700_000_000_000);
      expect(await storage.devices.getDevice(dave, 'D1')).toMatchObject({
        lastSeenTs: 1_700_000_000_000,
        lastSeenIp: '10.0.0.1',
        lastSeenUserAgent: 'agent/1',
      });
    });

    it('adds, looks up and deletes access tokens', async () => {
      const id = await storage.devices.addAccessToken({
        tokenHash: 'h-dave-1',
        userId: dave,
        deviceId: 'D1',
        validUntilMs: 1_800_000_000_000,
      });
      expect(await storage.devices.getAccessToken('h-dave-1')).toEqual({
        id,
        userId: dave,
        deviceId: 'D1',
        isGuest: true,
        validUntilMs: 1_800_000_000_000,
      });
      await storage.devices.deleteAccessToken(id);
      expect(await storage.devices.getAccessToken('h-dave-1')).toBeNull();
    });

    it('deletes every token of a user except one', async () => {
      const keep = await storage.devices.addAccessToken({
        tokenHash: 'h-keep',
        userId: dave,
        deviceId: 'D1',
        validUntilMs: null,
      });
      await storage.devices.addAccessToken({
        tokenHash: 'h-drop',
        userId: dave,
        deviceId: 'D1',
        validUntilMs: null,
      });
      await storage.devices.deleteAccessTokensForUser(dave, keep);
      expect(await storage.devices.getAccessToken('h-keep')).not.toBeNull();
      expect(await storage.devices.getAccessToken('h-drop')).toBeNull();
      await storage.devices.deleteAccessTokensForUser(dave);
      expect(await storage.devices.getAccessToken('h-keep')).toBeNull();
    });

    it('deletes devices with their tokens', async () => {
      await storage.devices.upsertDevice(dave, 'D2', null);
      await storage.devices.upsertDevice(dave, 'D3', null);
      await storage.devices.addAccessToken({
        tokenHash: 'h-d2',
        userId: dave,
        deviceId: 'D2',
        validUntilMs: null,
      });
      await storage.devices.deleteDevices(dave, ['D2', 'unknown']);
      expect(await storage.devices.getAccessToken('h-d2')).toBeNull();
      expect((await storage.devices.listDevices(dave)).map((d) => d.deviceId)).toEqual([
        'D1',
        'D3',
      ]);
      await storage.devices.deleteAllDevices(dave, 'D3');
      expect((await storage.devices.listDevices(dave)).map((d) => d.deviceId)).toEqual(['D3']);
      await storage.devices.deleteAllDevices(dave);
      expect(await storage.devices.listDevices(dave)).toEqual([]);
    });

    it('writes a device_lists row per change, with increasing stream ids', async () => {
      const eve = '@eve:test';
      const before = storage.devices.deviceListsPosition();
      await storage.devices.upsertDevice(eve, 'E1', null);
      await storage.devices.upsertDevice(eve, 'E1', null); // no change, no row
      await storage.devices.upsertDevice(eve, 'E2', null);
      await storage.devices.setDisplayName(eve, 'E1', 'laptop');
      await storage.devices.deleteDevices(eve, ['E2']);
      const after = storage.devices.deviceListsPosition();
      const changes = await storage.devices.getDeviceListChanges(before, after);
      expect(changes.map((c) => [c.userId, c.deviceId])).toEqual([
        [eve, 'E1'],
        [eve, 'E2'],
        [eve, 'E1'],
        [eve, 'E2'],
      ]);
      const ids = changes.map((c) => c.streamId);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids[0]).toBeGreaterThan(before);
      expect(ids[ids.length - 1]).toBe(after);
      // (from, to]: exclusive low, inclusive high.
      expect(await storage.devices.getDeviceListChanges(ids[0], ids[1])).toEqual([changes[1]]);
    });

    it('tells which devices a deletion removed', async () => {
      const gil = '@gil:test';
      await storage.devices.upsertDevice(gil, 'G1', null);
      await storage.devices.upsertDevice(gil, 'G2', null);
      expect(await storage.devices.deleteDevices(gil, ['G1', 'unknown'])).toEqual(['G1']);
      expect(await storage.devices.deleteAllDevices(gil)).toEqual(['G2']);
      expect(await storage.devices.deleteAllDevices(gil)).toEqual([]);
    });

    it('does not advance the device_lists position for a rolled-back change', async () => {
      const before = storage.devices.deviceListsPosition();
      await expect(
        storage.database.runInteraction('addThenFail', async (txn) => {
          await storage.devices.upsertDevice('@frank:test', 'F1', null, txn);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await storage.devices.getDevice('@frank:test', 'F1')).toBeNull();
      await storage.devices.upsertDevice('@frank:test', 'F2', null);
      const after = storage.devices.deviceListsPosition();
      // The rolled-back id is a gap; the position still moves past it once later ids finish.
      expect(after).toBeGreaterThanOrEqual(before + 2);
      expect(
        (await storage.devices.getDeviceListChanges(before, after)).map((c) => c.deviceId),
      ).toEqual(['F2']);
    });
  });

  describe('access-token lookups served from memory', () => {
    const issue = (hash: string, deviceId: string) =>
      storage.devices.addAccessToken({
        tokenHash: hash,
        userId: alice,
        deviceId,
        validUntilMs: null,
      });

    it('forget a token the moment any deletion removes it', async () => {
      await storage.devices.upsertDevice(alice, 'CACHE1', null);
      await storage.devices.upsertDevice(alice, 'CACHE2', null);
      const one = await issue('cache-hash-1', 'CACHE1');
      await issue('cache-hash-2', 'CACHE2');
      await issue('cache-hash-3', 'CACHE2');
      // Looked up twice: the second answer comes from memory.
      for (const hash of ['cache-hash-1', 'cache-hash-2', 'cache-hash-3']) {
        expect(await storage.devices.getAccessToken(hash)).not.toBeNull();
        expect(await storage.devices.getAccessToken(hash)).not.toBeNull();
      }
      await storage.devices.deleteAccessToken(one);
      expect(await storage.devices.getAccessToken('cache-hash-1')).toBeNull();
      await storage.devices.deleteDevices(alice, ['CACHE2']);
      expect(await storage.devices.getAccessToken('cache-hash-2')).toBeNull();
      expect(await storage.devices.getAccessToken('cache-hash-3')).toBeNull();
    });

    it('forget tokens deleted inside a transaction once it commits', async () => {
      await storage.devices.upsertDevice(alice, 'CACHE3', null);
      const keep = await issue('cache-hash-4', 'CACHE3');
      await issue('cache-hash-5', 'CACHE3');
      expect(await storage.devices.getAccessToken('cache-hash-5')).not.toBeNull();
      let commit!: () => void;
      const held = new Promise<void>((resolve) => (commit = resolve));
      let deleted!: () => void;
      const inWindow = new Promise<void>((resolve) => (deleted = resolve));
      const logout = storage.database.runInteraction('logoutOthers', async (txn) => {
        await storage.devices.deleteAccessTokensForUser(alice, keep, txn);
        deleted();
        await held;
      });
      await inWindow;
      // Until the commit, a lookup still finds the token (and may cache it) ...
      expect(await storage.devices.getAccessToken('cache-hash-5')).not.toBeNull();
      commit();
      await logout;
      // ... but not after it.
      expect(await storage.devices.getAccessToken('cache-hash-5')).toBeNull();
      expect(await storage.devices.getAccessToken('cache-hash-4')).not.toBeNull();
    });
  });

  describe('AuthSessionStore', () => {
    it('keeps UI auth sessions, completed stages and server values', async () => {
      await storage.authSessions.createUiAuthSession({
        sessionId: 's1',
        method: 'POST',
        uri: '/register',
        clientDict: { username: 'x', nested: { a: [1, 2] } },
        createdTs: 5000,
      });
      await storage.authSessions.markStageCompleted('s1', 'm.login.dummy', true);
      await storage.authSessions.markStageCompleted('s1', 'm.login.password', { user: alice });
      await storage.authSessions.setServerDictValue('s1', 'registered_user_id', alice);
      await storage.authSessions.setServerDictValue('s1', 'password_hash', 'h');
      expect(await storage.authSessions.getUiAuthSession('s1')).toEqual({
        sessionId: 's1',
        method: 'POST',
        uri: '/register',
        clientDict: { username: 'x', nested: { a: [1, 2] } },
        serverDict: { registered_user_id: alice, password_hash: 'h' },
        createdTs: 5000,
        completed: { 'm.login.dummy': true, 'm.login.password': { user: alice } },
      });
      expect(await storage.authSessions.getUiAuthSession('nope')).toBeNull();
      await expect(storage.authSessions.setServerDictValue('nope', 'k', 1)).rejects.toThrow(
        /no UI auth session/,
      );
    });

    it('deletes sessions with their credentials, and expires old ones', async () => {
      await storage.authSessions.createUiAuthSession({
        sessionId: 's2',
        method: 'POST',
        uri: '/x',
        clientDict: {},
        createdTs: 100,
      });
      await storage.authSessions.markStageCompleted('s2', 'm.login.dummy', true);
      await storage.authSessions.deleteUiAuthSession('s2');
      expect(await storage.authSessions.getUiAuthSession('s2')).toBeNull();
      const orphans = await storage.database.query(
        'SELECT * FROM ui_auth_sessions_credentials WHERE session_id = $1',
        ['s2'],
      );
      expect(orphans).toEqual([]);

      await storage.authSessions.createUiAuthSession({
        sessionId: 'old',
        method: 'POST',
        uri: '/x',
        clientDict: {},
        createdTs: 10,
      });
      expect(await storage.authSessions.expireUiAuthSessions(1000)).toBe(1);
      expect(await storage.authSessions.getUiAuthSession('old')).toBeNull();
      expect(await storage.authSessions.getUiAuthSession('s1')).not.toBeNull();
    });

    it('counts registration token uses, pending ones included, and expiry', async () => {
      const store = storage.authSessions;
      await store.createRegistrationToken({ token: 'two', usesAllowed: 2, expiryTime: null });
      await store.createRegistrationToken({ token: 'late', usesAllowed: null, expiryTime: 500 });
      await store.createRegistrationToken({ token: 'free', usesAllowed: null, expiryTime: null });
      expect(await store.registrationTokenIsValid('two', 0)).toBe(true);
      await store.registrationTokenAddPending('two');
      await store.registrationTokenAddPending('two');
      expect(await store.registrationTokenIsValid('two', 0)).toBe(false);
      await store.registrationTokenComplete('two');
      const [row] = await storage.database.query<{ pending: number; completed: number }>(
        'SELECT pending, completed FROM registration_tokens WHERE token = $1',
        ['two'],
      );
      expect(row).toEqual({ pending: 1, completed: 1 });
      expect(await store.registrationTokenIsValid('late', 499)).toBe(true);
      expect(await store.registrationTokenIsValid('late', 500)).toBe(false);
      expect(await store.registrationTokenIsValid('free', 1e13)).toBe(true);
      expect(await store.registrationTokenIsValid('unknown', 0)).toBe(false);
    });

    it('consumes registration nonces once, and only fresh ones', async () => {
      const store = storage.authSessions;
      await store.addRegistrationNonce('n1', 1000);
      await store.addRegistrationNonce('n2', 1000);
      expect(await store.consumeRegistrationNonce('n1', 900)).toBe(true);
      expect(await store.consumeRegistrationNonce('n1', 900)).toBe(false);
      expect(await store.consumeRegistrationNonce('n2', 1001)).toBe(false);
      expect(await store.consumeRegistrationNonce('n2', 0)).toBe(false); // already deleted
    });
  });
});
