import { AccountStore, AuthSessionStore } from '@chat/storage';
import { registerWithSharedSecret, sharedSecretMac } from '@chat/testing';

import { V3, expectError, expectTokenAlive } from './accounts.test-helper';
import { ENGINES, TestServer } from './test-server.test-helper';

const REGISTER = `${V3}/register`;
const VALIDITY = '/chat/client/v1/register/m.login.registration_token/validity';
const SHARED_SECRET_REGISTER = '/_chat/admin/v1/register';
const SECRET = 'test-shared-secret';

describe.each(ENGINES)('registration (%s)', (engine) => {
  describe('discovery and open registration', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await TestServer.start(engine);
    });
    afterAll(() => server?.stop());

    it('serves versions and the client well-known document without a token', async () => {
      const versions = await server.request('GET', '/chat/client/versions');
      expect(versions.status).toBe(200);
      expect(versions.body['versions']).toEqual(expect.arrayContaining(['r0.6.1', 'v1.1']));
      const wellKnown = await server.request('GET', '/.well-known/matrix/client');
      expect(wellKnown.status).toBe(200);
      expect(wellKnown.body).toEqual({ 'm.homeserver': { base_url: 'http://localhost/' } });
    });

    it('serves capabilities to authenticated users only', async () => {
      const path = `${V3}/capabilities`;
      expectError(await server.request('GET', path), 401, 'M_MISSING_TOKEN');
      const { token } = await server.register('capable');
      const caps = await server.request('GET', path, { token });
      expect(caps.status).toBe(200);
      expect(caps.body['capabilities']).toMatchObject({
        'm.change_password': { enabled: true },
        'm.room_versions': { default: '12', available: { '12': 'stable' } },
      });
    });

    it('registers through m.login.dummy user-interactive auth', async () => {
      const challenge = await server.request('POST', REGISTER, {
        body: { username: 'dora', password: 'explorer' },
      });
      expect(challenge.status).toBe(401);
      expect(challenge.body['flows']).toEqual([{ stages: ['m.login.dummy'] }]);
      expect(challenge.body['errcode']).toBeUndefined();
      const session = challenge.body['session'];
      expect(typeof session).toBe('string');
      // The session row keeps the rest of the body for later stages, but only a hash of the password.
      const stored = await server.http.app
        .get(AuthSessionStore)
        .getUiAuthSession(session as string);
      expect(stored?.clientDict).toEqual({ username: 'dora' });
      expect(stored?.serverDict['password_hash']).toEqual(expect.any(String));
      expect(JSON.stringify(stored)).not.toContain('explorer');

      // A later stage may send only `auth`: the body stored with the session is replayed.
      const done = await server.request('POST', REGISTER, {
        body: { auth: { type: 'm.login.dummy', session } },
      });
      expect(done.status).toBe(200);
      expect(done.body).toEqual({
        user_id: '@dora:localhost',
        access_token: expect.stringMatching(/^cht_ZG9yYQ_[A-Za-z0-9]{32}$/),
        device_id: expect.any(String),
        home_server: 'localhost',
      });
      const whoami = await server.request('GET', `${V3}/account/whoami`, {
        token: done.body['access_token'] as string,
      });
      expect(whoami.body).toEqual({
        user_id: '@dora:localhost',
        device_id: done.body['device_id'],
        is_guest: false,
      });
    });

    it('refuses a taken username on the first request, before any auth stage', async () => {
      await server.register('taken');
      for (const username of ['taken', 'Taken']) {
        const res = await server.request('POST', REGISTER, { body: { username, password: 'x' } });
        expectError(res, 400, 'M_USER_IN_USE');
        expect(res.body['session']).toBeUndefined();
      }
    });

    it.each(['white space', 'é', '@colon:x', 'a:b', ''])(
      'refuses the username %j with M_INVALID_USERNAME',
      async (username) => {
        const res = await server.request('POST', REGISTER, { body: { username, password: 'x' } });
        expectError(res, 400, 'M_INVALID_USERNAME');
      },
    );

    it('creates no device or token with inhibit_login', async () => {
      const challenge = await server.request('POST', REGISTER, { body: {} });
      const res = await server.request('POST', REGISTER, {
        body: {
          username: 'quiet',
          password: 'pw',
          inhibit_login: true,
          auth: { type: 'm.login.dummy', session: challenge.body['session'] },
        },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ user_id: '@quiet:localhost', home_server: 'localhost' });
      const { token, deviceId } = await server.login('quiet', 'pw');
      const devices = await server.request('GET', `${V3}/devices`, { token });
      expect(devices.body['devices']).toEqual([expect.objectContaining({ device_id: deviceId })]);
    });

    it('uses the requested device id and display name', async () => {
      const challenge = await server.request('POST', REGISTER, { body: {} });
      const res = await server.request('POST', REGISTER, {
        body: {
          username: 'devicer',
          password: 'pw',
          device_id: 'MYPHONE',
          initial_device_display_name: 'Phone',
          auth: { type: 'm.login.dummy', session: challenge.body['session'] },
        },
      });
      expect(res.body['device_id']).toBe('MYPHONE');
      const device = await server.request('GET', `${V3}/devices/MYPHONE`, {
        token: res.body['access_token'] as string,
      });
      expect(device.body).toMatchObject({ device_id: 'MYPHONE', display_name: 'Phone' });
    });

    it('refuses guests while guest access is off', async () => {
      const res = await server.request('POST', `${REGISTER}?kind=guest`, { body: {} });
      expectError(res, 403, 'M_GUEST_ACCESS_FORBIDDEN');
    });

    it('answers register/available', async () => {
      const available = (username: string) =>
        server.request('GET', `${V3}/register/available?username=${encodeURIComponent(username)}`);
      expect(await available('freebie')).toMatchObject({ status: 200, body: { available: true } });
      await server.register('occupied');
      expectError(await available('occupied'), 400, 'M_USER_IN_USE');
      // Unlike POST /register, availability does not lower-case the name (as in Synapse).
      expectError(await available('OCCUPIED'), 400, 'M_INVALID_USERNAME');
      expectError(await available('no way'), 400, 'M_INVALID_USERNAME');
    });

    describe('with the shared secret', () => {
      const nonce = async () =>
        (await server.request('GET', SHARED_SECRET_REGISTER)).body['nonce'] as string;

      it('creates admins and ordinary users who can log in', async () => {
        const accounts = server.http.app.get(AccountStore);
        const boss = await registerWithSharedSecret(server.baseUrl, SECRET, {
          username: 'boss',
          password: 'big secret',
          admin: true,
        });
        expect(boss).toMatchObject({
          user_id: '@boss:localhost',
          access_token: expect.any(String),
          device_id: expect.any(String),
        });
        expect(await accounts.getUser('@boss:localhost')).toMatchObject({ isAdmin: true });
        await expectTokenAlive(server, boss.access_token);
        await server.login('boss', 'big secret');

        await registerWithSharedSecret(server.baseUrl, SECRET, {
          username: 'staff',
          password: 'small secret',
          admin: false,
        });
        expect(await accounts.getUser('@staff:localhost')).toMatchObject({ isAdmin: false });
        await server.login('staff', 'small secret');
      });

      it('refuses a MAC made with another secret with 403', async () => {
        const user = { username: 'eve', password: 'x', admin: true };
        const fresh = await nonce();
        const res = await server.request('POST', SHARED_SECRET_REGISTER, {
          body: { nonce: fresh, ...user, mac: sharedSecretMac('not-the-secret', fresh, user) },
        });
        expectError(res, 403, 'M_FORBIDDEN');
        const eve = await server.request('GET', `${V3}/register/available?username=eve`);
        expect(eve).toMatchObject({ status: 200, body: { available: true } });
      });

      it('refuses a nonce used before with 400, even with a correct MAC', async () => {
        const used = await nonce();
        const first = { username: 'once', password: 'x', admin: false };
        const ok = await server.request('POST', SHARED_SECRET_REGISTER, {
          body: { nonce: used, ...first, mac: sharedSecretMac(SECRET, used, first) },
        });
        expect(ok.status).toBe(200);
        const second = { username: 'twice', password: 'x', admin: false };
        const res = await server.request('POST', SHARED_SECRET_REGISTER, {
          body: { nonce: used, ...second, mac: sharedSecretMac(SECRET, used, second) },
        });
        expectError(res, 400, 'M_UNKNOWN');
      });
    });
  });

  describe('with registration tokens required', () => {
    let server: TestServer;
    let store: AuthSessionStore;
    beforeAll(async () => {
      server = await TestServer.start(engine, {
        registration_requires_token: true,
        enable_registration_without_verification: false,
      });
      store = server.http.app.get(AuthSessionStore);
    });
    afterAll(() => server?.stop());

    const validity = async (token: string) => {
      const res = await server.request('GET', `${VALIDITY}?token=${encodeURIComponent(token)}`);
      expect(res.status).toBe(200);
      return res.body['valid'];
    };

    it('answers token validity', async () => {
      await store.createRegistrationToken({ token: 'valid-1', usesAllowed: 1, expiryTime: null });
      expect(await validity('valid-1')).toBe(true);
      expect(await validity('never-made')).toBe(false);
    });

    it('asks for a token, refuses a wrong one, accepts a valid one, and uses it up', async () => {
      await store.createRegistrationToken({ token: 'letmein', usesAllowed: 1, expiryTime: null });
      const challenge = await server.request('POST', REGISTER, {
        body: { username: 'invited', password: 'pw' },
      });
      expect(challenge.status).toBe(401);
      expect(challenge.body['flows']).toEqual([{ stages: ['m.login.registration_token'] }]);
      const session = challenge.body['session'];
      expect(typeof session).toBe('string');

      const wrong = await server.request('POST', REGISTER, {
        body: { auth: { type: 'm.login.registration_token', token: 'nope', session } },
      });
      expectError(wrong, 401, 'M_UNAUTHORIZED');
      expect(wrong.body).toMatchObject({
        session,
        flows: [{ stages: ['m.login.registration_token'] }],
      });

      const right = await server.request('POST', REGISTER, {
        body: { auth: { type: 'm.login.registration_token', token: 'letmein', session } },
      });
      expect(right.status).toBe(200);
      expect(right.body).toMatchObject({
        user_id: '@invited:localhost',
        access_token: expect.any(String),
        device_id: expect.any(String),
      });
      expect(await validity('letmein')).toBe(false);

      // A second registration with the spent token fails like any invalid one.
      const next = await server.request('POST', REGISTER, {
        body: { username: 'latecomer', password: 'pw' },
      });
      const spent = await server.request('POST', REGISTER, {
        body: {
          auth: {
            type: 'm.login.registration_token',
            token: 'letmein',
            session: next.body['session'],
          },
        },
      });
      expectError(spent, 401, 'M_UNAUTHORIZED');
    });

    it('does not offer the dummy stage', async () => {
      const challenge = await server.request('POST', REGISTER, { body: {} });
      const res = await server.request('POST', REGISTER, {
        body: {
          username: 'sneaky',
          password: 'pw',
          auth: { type: 'm.login.dummy', session: challenge.body['session'] },
        },
      });
      expect(res.status).toBe(401);
      expect(res.body['user_id']).toBeUndefined();
    });
  });

  describe('with registration closed, guests allowed and no shared secret', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await TestServer.start(engine, {
        enable_registration: false,
        enable_registration_without_verification: false,
        allow_guest_access: true,
        registration_shared_secret: null,
      });
    });
    afterAll(() => server?.stop());

    it('refuses user registration with 403 M_FORBIDDEN', async () => {
      const res = await server.request('POST', REGISTER, {
        body: { username: 'nobody', password: 'x' },
      });
      expectError(res, 403, 'M_FORBIDDEN');
    });

    it('answers registration token validity with 403 M_FORBIDDEN', async () => {
      const res = await server.request('GET', `${VALIDITY}?token=anything`);
      expectError(res, 403, 'M_FORBIDDEN');
    });

    it('registers guests, who may ask who they are but not manage devices', async () => {
      const res = await server.request('POST', `${REGISTER}?kind=guest`, { body: {} });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        user_id: expect.stringMatching(/^@\d+:localhost$/),
        access_token: expect.any(String),
        device_id: expect.any(String),
      });
      const token = res.body['access_token'] as string;
      const whoami = await server.request('GET', `${V3}/account/whoami`, { token });
      expect(whoami.body).toEqual({
        user_id: res.body['user_id'],
        device_id: res.body['device_id'],
        is_guest: true,
      });
      expectError(
        await server.request('GET', `${V3}/devices`, { token }),
        403,
        'M_GUEST_ACCESS_FORBIDDEN',
      );
    });

    it('answers shared-secret registration with 400', async () => {
      expectError(await server.request('GET', SHARED_SECRET_REGISTER), 400, 'M_UNKNOWN');
      const user = { username: 'boss', password: 'x', admin: true };
      const res = await server.request('POST', SHARED_SECRET_REGISTER, {
        body: { nonce: 'n', ...user, mac: sharedSecretMac(SECRET, 'n', user) },
      });
      expectError(res, 400, 'M_UNKNOWN');
    });
  });
});
