import { AccountStore, AuthSessionStore } from '@chat/storage';
import { sharedSecretMac } from '@chat/testing';

import { ENGINES, TestServer } from './test-server.test-helper';

const REGISTER = '/chat/client/v3/register';

describe.each(ENGINES)('registration (%s)', (engine) => {
  describe('with open registration', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await TestServer.start(engine);
    });
    afterAll(() => server.stop());

    it('serves versions and the client well-known document without a token', async () => {
      const versions = await server.request('GET', '/chat/client/versions');
      expect(versions.status).toBe(200);
      expect(versions.body['versions']).toContain('v1.1');
      const wellKnown = await server.request('GET', '/.well-known/matrix/client');
      expect(wellKnown.body).toEqual({ 'm.homeserver': { base_url: 'http://localhost/' } });
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
      // The session row holds the rest of the body for later stages, but only a hash of the password.
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
      const whoami = await server.request('GET', '/chat/client/v3/account/whoami', {
        token: done.body['access_token'] as string,
      });
      expect(whoami.body['user_id']).toBe('@dora:localhost');
      expect((await server.login('dora', 'explorer')).token).toMatch(/^cht_/);
    });

    it('reports a taken username before any auth stage', async () => {
      await server.register('taken');
      const res = await server.request('POST', REGISTER, {
        body: { username: 'Taken', password: 'x' },
      });
      expect(res.status).toBe(400);
      expect(res.body['errcode']).toBe('M_USER_IN_USE');
    });

    it.each(['white space', 'é', '@colon:x', ''])(
      'refuses the username %j with M_INVALID_USERNAME',
      async (username) => {
        const res = await server.request('POST', REGISTER, { body: { username, password: 'x' } });
        expect(res.status).toBe(400);
        expect(res.body['errcode']).toBe('M_INVALID_USERNAME');
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
      expect((await server.login('quiet', 'pw')).token).toMatch(/^cht_/);
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
      const device = await server.request('GET', '/chat/client/v3/devices/MYPHONE', {
        token: res.body['access_token'] as string,
      });
      expect(device.body).toMatchObject({ device_id: 'MYPHONE', display_name: 'Phone' });
    });

    it('refuses guests while guest access is off', async () => {
      const res = await server.request('POST', `${REGISTER}?kind=guest`, { body: {} });
      expect(res.status).toBe(403);
      expect(res.body['errcode']).toBe('M_GUEST_ACCESS_FORBIDDEN');
    });

    it('answers register/available', async () => {
      const free = await server.request(
        'GET',
        '/chat/client/v3/register/available?username=freebie',
      );
      expect(free).toMatchObject({ status: 200, body: { available: true } });
      await server.register('occupied');
      const taken = await server.request(
        'GET',
        '/chat/client/v3/register/available?username=occupied',
      );
      expect(taken).toMatchObject({ status: 400, body: { errcode: 'M_USER_IN_USE' } });
      const invalid = await server.request(
        'GET',
        '/chat/client/v3/register/available?username=no%20way',
      );
      expect(invalid).toMatchObject({ status: 400, body: { errcode: 'M_INVALID_USERNAME' } });
    });

    it('registers through the shared secret, admin or not, with one-time nonces', async () => {
      const url = '/_chat/admin/v1/register';
      const { body: nonceBody } = await server.request('GET', url);
      const nonce = nonceBody['nonce'] as string;
      const mac = sharedSecretMac('test-shared-secret', nonce, {
        username: 'boss',
        password: 'big secret',
        admin: true,
      });
      const res = await server.request('POST', url, {
        body: { nonce, username: 'boss', password: 'big secret', admin: true, mac },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        user_id: '@boss:localhost',
        access_token: expect.any(String),
        device_id: expect.any(String),
      });
      expect((await server.login('boss', 'big secret')).token).toMatch(/^cht_/);
      const accounts = server.http.app.get(AccountStore);
      expect((await accounts.getUser('@boss:localhost'))?.isAdmin).toBe(true);

      const plainNonce = (await server.request('GET', url)).body['nonce'] as string;
      const plain = await server.request('POST', url, {
        body: {
          nonce: plainNonce,
          username: 'worker',
          password: 'pw',
          mac: sharedSecretMac('test-shared-secret', plainNonce, {
            username: 'worker',
            password: 'pw',
            admin: false,
          }),
        },
      });
      expect(plain.status).toBe(200);
      expect((await accounts.getUser('@worker:localhost'))?.isAdmin).toBe(false);

      const reused = await server.request('POST', url, {
        body: { nonce, username: 'boss2', password: 'x', admin: false, mac },
      });
      expect(reused).toMatchObject({ status: 400, body: { errcode: 'M_UNKNOWN' } });

      const fresh = (await server.request('GET', url)).body['nonce'] as string;
      const wrong = sharedSecretMac('not-the-secret', fresh, {
        username: 'eve',
        password: 'x',
        admin: false,
      });
      const forged = await server.request('POST', url, {
        body: { nonce: fresh, username: 'eve', password: 'x', admin: false, mac: wrong },
      });
      expect(forged).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    });
  });

  describe('with registration tokens required', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await TestServer.start(engine, {
        registration_requires_token: true,
        enable_registration_without_verification: false,
      });
    });
    afterAll(() => server.stop());

    it('asks for a token, refuses a wrong one, accepts a valid one once', async () => {
      const store = server.http.app.get(AuthSessionStore);
      await store.createRegistrationToken({ token: 'letmein', usesAllowed: 1, expiryTime: null });
      const validity = '/chat/client/v1/register/m.login.registration_token/validity';
      expect((await server.request('GET', `${validity}?token=letmein`)).body).toEqual({
        valid: true,
      });
      expect((await server.request('GET', `${validity}?token=nope`)).body).toEqual({
        valid: false,
      });

      const challenge = await server.request('POST', REGISTER, {
        body: { username: 'invited', password: 'pw' },
      });
      expect(challenge.body['flows']).toEqual([{ stages: ['m.login.registration_token'] }]);
      const session = challenge.body['session'];
      const wrong = await server.request('POST', REGISTER, {
        body: { auth: { type: 'm.login.registration_token', token: 'nope', session } },
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ errcode: 'M_UNAUTHORIZED', session });

      const right = await server.request('POST', REGISTER, {
        body: { auth: { type: 'm.login.registration_token', token: 'letmein', session } },
      });
      expect(right.status).toBe(200);
      expect(right.body['user_id']).toBe('@invited:localhost');
      expect((await server.request('GET', `${validity}?token=letmein`)).body).toEqual({
        valid: false,
      });
    });
  });

  describe('with registration closed and guests allowed', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await TestServer.start(engine, {
        enable_registration: false,
        enable_registration_without_verification: false,
        allow_guest_access: true,
        registration_shared_secret: null,
      });
    });
    afterAll(() => server.stop());

    it('refuses user registration with 403 M_FORBIDDEN', async () => {
      const res = await server.request('POST', REGISTER, {
        body: { username: 'nobody', password: 'x' },
      });
      expect(res).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    });

    it('registers guests, who may ask who they are', async () => {
      const res = await server.request('POST', `${REGISTER}?kind=guest`, { body: {} });
      expect(res.status).toBe(200);
      const whoami = await server.request('GET', '/chat/client/v3/account/whoami', {
        token: res.body['access_token'] as string,
      });
      expect(whoami.body).toMatchObject({ user_id: res.body['user_id'], is_guest: true });
      const devices = await server.request('GET', '/chat/client/v3/devices', {
        token: res.body['access_token'] as string,
      });
      expect(devices).toMatchObject({ status: 403, body: { errcode: 'M_GUEST_ACCESS_FORBIDDEN' } });
    });

    it('answers shared-secret registration with 400 when no secret is configured', async () => {
      const res = await server.request('GET', '/_chat/admin/v1/register');
      expect(res).toMatchObject({ status: 400, body: { errcode: 'M_UNKNOWN' } });
      const post = await server.request('POST', '/_chat/admin/v1/register', {
        body: { nonce: 'n', username: 'u', password: 'p', mac: 'ab' },
      });
      expect(post).toMatchObject({ status: 400, body: { errcode: 'M_UNKNOWN' } });
    });

    it('answers registration token validity with 403 M_FORBIDDEN', async () => {
      const res = await server.request(
        'GET',
        '/chat/client/v1/register/m.login.registration_token/validity?token=any',
      );
      expect(res).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    });
  });
});
