import { AuthSessionStore } from '@chat/storage';

import {
  V3,
  deviceIds,
  expectError,
  expectTokenAlive,
  expectTokenDead,
  openPasswordSession,
  passwordAuth,
  withPasswordAuth,
} from './accounts.test-helper';
import { ENGINES, TestServer } from './test-server.test-helper';

const PASSWORD = `${V3}/account/password`;
const DEACTIVATE = `${V3}/account/deactivate`;

describe.each(ENGINES)('account (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(engine);
  });
  afterAll(() => server?.stop());

  const loginStatus = async (user: string, password: string) =>
    server.request('POST', `${V3}/login`, {
      body: { type: 'm.login.password', user, password },
    });

  it('whoami names the user and device; 3PIDs are empty', async () => {
    const me = await server.register('wanda');
    const whoami = await server.request('GET', `${V3}/account/whoami`, { token: me.token });
    expect(whoami).toMatchObject({
      status: 200,
      body: { user_id: '@wanda:localhost', device_id: me.deviceId, is_guest: false },
    });
    const threepids = await server.request('GET', `${V3}/account/3pid`, { token: me.token });
    expect(threepids).toMatchObject({ status: 200, body: { threepids: [] } });
    expectError(await server.request('GET', `${V3}/account/whoami`), 401, 'M_MISSING_TOKEN');
  });

  describe('password change', () => {
    it('challenges, refuses a wrong password with 401 M_FORBIDDEN, then logs out other devices', async () => {
      const me = await server.register('pat', 'old-password');
      const other = await server.login('pat', 'old-password');

      const session = await openPasswordSession(server, 'POST', PASSWORD, me.token, {
        new_password: 'new-password',
      });
      const wrong = await server.request('POST', PASSWORD, {
        token: me.token,
        body: { new_password: 'new-password', auth: passwordAuth('pat', 'nope', session) },
      });
      expectError(wrong, 401, 'M_FORBIDDEN');
      expect(wrong.body).toMatchObject({ session, flows: [{ stages: ['m.login.password'] }] });

      const res = await server.request('POST', PASSWORD, {
        token: me.token,
        body: { new_password: 'new-password', auth: passwordAuth('pat', 'old-password', session) },
      });
      expect(res).toMatchObject({ status: 200, body: {} });
      await expectTokenAlive(server, me.token);
      await expectTokenDead(server, other.token);
      expect(await deviceIds(server, me.token)).toEqual([me.deviceId]);

      expectError(await loginStatus('pat', 'old-password'), 403, 'M_FORBIDDEN');
      expect((await loginStatus('pat', 'new-password')).status).toBe(200);
    });

    it('keeps the new password out of the stored session', async () => {
      const me = await server.register('secretive', 'old-secret');
      const session = await openPasswordSession(server, 'POST', PASSWORD, me.token, {
        new_password: 'new-secret',
        logout_devices: false,
      });
      const stored = await server.http.app.get(AuthSessionStore).getUiAuthSession(session);
      expect(stored?.clientDict).toEqual({ logout_devices: false });
      expect(JSON.stringify(stored)).not.toContain('new-secret');
    });

    it('keeps the other devices with logout_devices: false', async () => {
      const me = await server.register('kim', 'old-password');
      const other = await server.login('kim', 'old-password');
      const res = await withPasswordAuth(
        server,
        'POST',
        PASSWORD,
        { token: me.token, user: 'kim', password: 'old-password' },
        { new_password: 'new-password', logout_devices: false },
      );
      expect(res).toMatchObject({ status: 200, body: {} });
      await expectTokenAlive(server, me.token);
      await expectTokenAlive(server, other.token);
      expect(await deviceIds(server, me.token)).toEqual([me.deviceId, other.deviceId].sort());
      expectError(await loginStatus('kim', 'old-password'), 403, 'M_FORBIDDEN');
      expect((await loginStatus('kim', 'new-password')).status).toBe(200);
    });

    it('accepts the user named with other letter case, as login does', async () => {
      const me = await server.register('casey', 'case-pass');
      const res = await withPasswordAuth(
        server,
        'POST',
        PASSWORD,
        { token: me.token, user: '@CASEY:localhost', password: 'case-pass' },
        { new_password: 'new-case-pass', logout_devices: false },
      );
      expect(res.status).toBe(200);
      expect((await loginStatus('casey', 'new-case-pass')).status).toBe(200);
    });

    it('refuses an identifier naming another user', async () => {
      const me = await server.register('ivy', 'ivy-pass');
      await server.register('mallory', 'mal-pass');
      const session = await openPasswordSession(server, 'POST', PASSWORD, me.token, {
        new_password: 'x',
      });
      const res = await server.request('POST', PASSWORD, {
        token: me.token,
        body: { new_password: 'x', auth: passwordAuth('mallory', 'mal-pass', session) },
      });
      expectError(res, 403, 'M_FORBIDDEN');
      expect((await loginStatus('ivy', 'ivy-pass')).status).toBe(200);
    });
  });

  it('deactivates an account: its tokens die and it can no longer log in', async () => {
    const me = await server.register('gone', 'bye-bye');
    const other = await server.login('gone', 'bye-bye');
    const res = await withPasswordAuth(server, 'POST', DEACTIVATE, {
      token: me.token,
      user: 'gone',
      password: 'bye-bye',
    });
    expect(res).toMatchObject({ status: 200, body: { id_server_unbind_result: 'no-support' } });
    for (const token of [me.token, other.token]) await expectTokenDead(server, token);
    expectError(await loginStatus('gone', 'bye-bye'), 403, 'M_USER_DEACTIVATED');
    // The name stays taken.
    const available = await server.request('GET', `${V3}/register/available?username=gone`);
    expectError(available, 400, 'M_USER_IN_USE');
  });

  describe('user-interactive auth sessions stay bound to the request that opened them', () => {
    it('refuses a password-change session on account/deactivate with 403', async () => {
      const me = await server.register('binder', 'bind-pass');
      const session = await openPasswordSession(server, 'POST', PASSWORD, me.token, {
        new_password: 'newer-pass',
      });
      const res = await server.request('POST', DEACTIVATE, {
        token: me.token,
        body: { auth: passwordAuth('binder', 'bind-pass', session) },
      });
      expectError(res, 403, 'M_FORBIDDEN');
      await expectTokenAlive(server, me.token);

      // The session still serves the request it was opened for.
      const change = await server.request('POST', PASSWORD, {
        token: me.token,
        body: { new_password: 'newer-pass', auth: passwordAuth('binder', 'bind-pass', session) },
      });
      expect(change.status).toBe(200);
      expect((await loginStatus('binder', 'newer-pass')).status).toBe(200);
    });

    it('refuses a DELETE /devices/{id} session on POST /delete_devices with 403', async () => {
      const me = await server.register('binder2', 'bind-pass');
      const extra = await server.login('binder2', 'bind-pass');
      const session = await openPasswordSession(
        server,
        'DELETE',
        `${V3}/devices/${extra.deviceId}`,
        me.token,
      );
      const res = await server.request('POST', `${V3}/delete_devices`, {
        token: me.token,
        body: { devices: [extra.deviceId], auth: passwordAuth('binder2', 'bind-pass', session) },
      });
      expectError(res, 403, 'M_FORBIDDEN');
      await expectTokenAlive(server, extra.token);
      expect(await deviceIds(server, me.token)).toContain(extra.deviceId);
    });

    it('refuses a session opened for another device on the same route with 403', async () => {
      const me = await server.register('binder3', 'bind-pass');
      const first = await server.login('binder3', 'bind-pass');
      const second = await server.login('binder3', 'bind-pass');
      const session = await openPasswordSession(
        server,
        'DELETE',
        `${V3}/devices/${first.deviceId}`,
        me.token,
      );
      const res = await server.request('DELETE', `${V3}/devices/${second.deviceId}`, {
        token: me.token,
        body: { auth: passwordAuth('binder3', 'bind-pass', session) },
      });
      expectError(res, 403, 'M_FORBIDDEN');
      await expectTokenAlive(server, second.token);
    });

    it('refuses an unknown session with 400', async () => {
      const me = await server.register('lost', 'lost-pass');
      const res = await server.request('POST', PASSWORD, {
        token: me.token,
        body: { new_password: 'x', auth: passwordAuth('lost', 'lost-pass', 'no-such-session') },
      });
      expectError(res, 400, 'M_UNKNOWN');
    });
  });
});
