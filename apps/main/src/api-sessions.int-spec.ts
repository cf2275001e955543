import { AuthSessionStore } from '@chat/storage';

import { ENGINES, TestServer } from './test-server.test-helper';

const V3 = '/chat/client/v3';

/** Completes a password UIA flow: the 401 challenge, then the same request with auth. */
async function withPassword(
  server: TestServer,
  method: string,
  path: string,
  token: string,
  user: string,
  password: string,
  body: Record<string, unknown> = {},
) {
  const challenge = await server.request(method, path, { token, body });
  expect(challenge.status).toBe(401);
  expect(challenge.body['flows']).toEqual([{ stages: ['m.login.password'] }]);
  return server.request(method, path, {
    token,
    body: {
      ...body,
      auth: {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user },
        password,
        session: challenge.body['session'],
      },
    },
  });
}

describe.each(ENGINES)('sessions and accounts (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(engine);
  });
  afterAll(() => server.stop());

  describe('login', () => {
    beforeAll(async () => {
      await server.register('lena', 'pa55word');
    });

    it('offers the password flow', async () => {
      const res = await server.request('GET', `${V3}/login`);
      expect(res.body).toEqual({ flows: [{ type: 'm.login.password' }] });
    });

    it.each([
      ['an m.id.user localpart', { identifier: { type: 'm.id.user', user: 'lena' } }],
      ['a full user id', { identifier: { type: 'm.id.user', user: '@lena:localhost' } }],
      ['a differently-cased localpart', { identifier: { type: 'm.id.user', user: 'LENA' } }],
      ['the legacy user field', { user: 'lena' }],
    ])('logs in with %s', async (_, who) => {
      const res = await server.request('POST', `${V3}/login`, {
        body: { type: 'm.login.password', password: 'pa55word', ...who },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        user_id: '@lena:localhost',
        access_token: expect.any(String),
        device_id: expect.any(String),
      });
    });

    it('refuses a wrong password and an unknown user alike', async () => {
      for (const user of ['lena', 'ghost']) {
        const res = await server.request('POST', `${V3}/login`, {
          body: {
            type: 'm.login.password',
            identifier: { type: 'm.id.user', user },
            password: 'wrong',
          },
        });
        expect(res).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
      }
    });

    it('refuses unknown login types', async () => {
      const res = await server.request('POST', `${V3}/login`, { body: { type: 'm.login.magic' } });
      expect(res).toMatchObject({ status: 400, body: { errcode: 'M_UNKNOWN' } });
    });

    it('logout kills the token and deletes the device', async () => {
      const { token } = await server.login('lena', 'pa55word');
      const other = await server.login('lena', 'pa55word');
      expect((await server.request('POST', `${V3}/logout`, { token, body: {} })).status).toBe(200);
      expect(await server.request('GET', `${V3}/account/whoami`, { token })).toMatchObject({
        status: 401,
        body: { errcode: 'M_UNKNOWN_TOKEN' },
      });
      const devices = await server.request('GET', `${V3}/devices`, { token: other.token });
      const ids = (devices.body['devices'] as Array<{ device_id: string }>).map((d) => d.device_id);
      expect(ids).toContain(other.deviceId);
    });

    it('logout/all kills every token of the user', async () => {
      const a = await server.login('lena', 'pa55word');
      const b = await server.login('lena', 'pa55word');
      expect((await server.request('POST', `${V3}/logout/all`, { token: a.token })).status).toBe(
        200,
      );
      for (const token of [a.token, b.token]) {
        expect(await server.request('GET', `${V3}/account/whoami`, { token })).toMatchObject({
          status: 401,
          body: { errcode: 'M_UNKNOWN_TOKEN' },
        });
      }
    });
  });

  describe('account', () => {
    it('whoami names the user and device, and 3PIDs are empty', async () => {
      const me = await server.register('wanda');
      expect(
        (await server.request('GET', `${V3}/account/whoami`, { token: me.token })).body,
      ).toEqual({
        user_id: me.userId,
        device_id: me.deviceId,
        is_guest: false,
      });
      expect((await server.request('GET', `${V3}/account/3pid`, { token: me.token })).body).toEqual(
        { threepids: [] },
      );
      const caps = await server.request('GET', `${V3}/capabilities`, { token: me.token });
      expect(caps.body['capabilities']).toMatchObject({
        'm.change_password': { enabled: true },
        'm.room_versions': { default: '12' },
      });
    });

    it('changes the password, logging out the other devices by default', async () => {
      const me = await server.register('pat', 'old-password');
      const other = await server.login('pat', 'old-password');
      const kept = await server.login('pat', 'old-password');

      const wrong = await server.request('POST', `${V3}/account/password`, {
        token: me.token,
        body: {
          new_password: 'new-password',
          auth: {
            type: 'm.login.password',
            identifier: { type: 'm.id.user', user: 'pat' },
            password: 'nope',
          },
        },
      });
      expect(wrong).toMatchObject({
        status: 401,
        body: { errcode: 'M_FORBIDDEN', flows: [{ stages: ['m.login.password'] }] },
      });

      const res = await withPassword(
        server,
        'POST',
        `${V3}/account/password`,
        me.token,
        'pat',
        'old-password',
        {
          new_password: 'new-password',
        },
      );
      expect(res).toMatchObject({ status: 200, body: {} });
      expect(
        (await server.request('GET', `${V3}/account/whoami`, { token: me.token })).status,
      ).toBe(200);
      expect(
        (await server.request('GET', `${V3}/account/whoami`, { token: other.token })).status,
      ).toBe(401);
      expect(
        (await server.request('GET', `${V3}/account/whoami`, { token: kept.token })).status,
      ).toBe(401);

      const oldLogin = await server.request('POST', `${V3}/login`, {
        body: { type: 'm.login.password', user: 'pat', password: 'old-password' },
      });
      expect(oldLogin.status).toBe(403);
      const fresh = await server.login('pat', 'new-password');
      const keep = await withPassword(
        server,
        'POST',
        `${V3}/account/password`,
        me.token,
        'pat',
        'new-password',
        {
          new_password: 'newer-password',
          logout_devices: false,
        },
      );
      expect(keep.status).toBe(200);
      expect(
        (await server.request('GET', `${V3}/account/whoami`, { token: fresh.token })).status,
      ).toBe(200);
    });

    it('deactivates an account: its tokens die and it cannot log in', async () => {
      const me = await server.register('gone', 'bye-bye');
      const res = await withPassword(
        server,
        'POST',
        `${V3}/account/deactivate`,
        me.token,
        'gone',
        'bye-bye',
      );
      expect(res).toMatchObject({ status: 200, body: { id_server_unbind_result: 'no-support' } });
      expect(
        (await server.request('GET', `${V3}/account/whoami`, { token: me.token })).status,
      ).toBe(401);
      // Deactivation removes the password; a login with any password is told why (as in Synapse).
      for (const password of ['bye-bye', 'anything']) {
        const login = await server.request('POST', `${V3}/login`, {
          body: { type: 'm.login.password', user: 'gone', password },
        });
        expect(login).toMatchObject({ status: 403, body: { errcode: 'M_USER_DEACTIVATED' } });
      }
    });

    it('refuses a password change whose identifier is another user', async () => {
      const me = await server.register('ivy', 'ivy-pass');
      await server.register('mallory', 'mal-pass');
      const challenge = await server.request('POST', `${V3}/account/password`, {
        token: me.token,
        body: { new_password: 'x' },
      });
      const res = await server.request('POST', `${V3}/account/password`, {
        token: me.token,
        body: {
          new_password: 'x',
          auth: {
            type: 'm.login.password',
            identifier: { type: 'm.id.user', user: 'mallory' },
            password: 'mal-pass',
            session: challenge.body['session'],
          },
        },
      });
      expect(res).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    });
  });

  describe('user-interactive auth sessions stay bound to their request', () => {
    it('refuses a session opened by another URI or another method with 403', async () => {
      const me = await server.register('binder', 'bind-pass');
      const auth = (session: unknown) => ({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: 'binder' },
        password: 'bind-pass',
        session,
      });
      const passwordChallenge = await server.request('POST', `${V3}/account/password`, {
        token: me.token,
        body: { new_password: 'x' },
      });
      const otherUri = await server.request('POST', `${V3}/account/deactivate`, {
        token: me.token,
        body: { auth: auth(passwordChallenge.body['session']) },
      });
      expect(otherUri).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
      expect(
        (await server.request('GET', `${V3}/account/whoami`, { token: me.token })).status,
      ).toBe(200);

      const extra = await server.login('binder', 'bind-pass');
      const deleteChallenge = await server.request('DELETE', `${V3}/devices/${extra.deviceId}`, {
        token: me.token,
        body: {},
      });
      const otherMethod = await server.request('POST', `${V3}/delete_devices`, {
        token: me.token,
        body: { devices: [extra.deviceId], auth: auth(deleteChallenge.body['session']) },
      });
      expect(otherMethod).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
      expect(
        (await server.request('GET', `${V3}/account/whoami`, { token: extra.token })).status,
      ).toBe(200);
    });

    it('keeps no new password in the session row', async () => {
      const me = await server.register('secretive', 'old-secret');
      const challenge = await server.request('POST', `${V3}/account/password`, {
        token: me.token,
        body: { new_password: 'new-secret', logout_devices: false },
      });
      expect(challenge.status).toBe(401);
      const stored = await server.http.app
        .get(AuthSessionStore)
        .getUiAuthSession(challenge.body['session'] as string);
      expect(stored?.clientDict).toEqual({ logout_devices: false });
    });

    it('refuses an unknown session', async () => {
      const me = await server.register('lost', 'lost-pass');
      const res = await server.request('POST', `${V3}/account/password`, {
        token: me.token,
        body: {
          new_password: 'x',
          auth: {
            type: 'm.login.password',
            user: 'lost',
            password: 'lost-pass',
            session: 'no-such-session',
          },
        },
      });
      expect(res.status).toBe(400);
    });
  });

  describe('devices', () => {
    it('lists, reads, renames and deletes devices', async () => {
      const me = await server.register('dev', 'dev-pass');
      const second = await server.login('dev', 'dev-pass');
      const third = await server.login('dev', 'dev-pass');

      const list = await server.request('GET', `${V3}/devices`, { token: me.token });
      expect(
        (list.body['devices'] as Array<{ device_id: string }>).map((d) => d.device_id).sort(),
      ).toEqual([me.deviceId, second.deviceId, third.deviceId].sort());
      const missing = await server.request('GET', `${V3}/devices/NOPE`, { token: me.token });
      expect(missing).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });

      expect(
        (
          await server.request('PUT', `${V3}/devices/${second.deviceId}`, {
            token: me.token,
            body: { display_name: 'Laptop' },
          })
        ).status,
      ).toBe(200);
      expect(
        (await server.request('GET', `${V3}/devices/${second.deviceId}`, { token: me.token })).body,
      ).toMatchObject({
        device_id: second.deviceId,
        display_name: 'Laptop',
      });
      const renameMissing = await server.request('PUT', `${V3}/devices/NOPE`, {
        token: me.token,
        body: { display_name: 'x' },
      });
      expect(renameMissing).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });

      const deleted = await withPassword(
        server,
        'DELETE',
        `${V3}/devices/${second.deviceId}`,
        me.token,
        'dev',
        'dev-pass',
      );
      expect(deleted.status).toBe(200);
      expect(
        (await server.request('GET', `${V3}/devices/${second.deviceId}`, { token: me.token }))
          .status,
      ).toBe(404);
      expect(
        (await server.request('GET', `${V3}/account/whoami`, { token: second.token })).status,
      ).toBe(401);

      const many = await withPassword(
        server,
        'POST',
        `${V3}/delete_devices`,
        me.token,
        'dev',
        'dev-pass',
        { devices: [third.deviceId] },
      );
      expect(many.status).toBe(200);
      expect(
        (await server.request('GET', `${V3}/account/whoami`, { token: third.token })).status,
      ).toBe(401);
      const remaining = await server.request('GET', `${V3}/devices`, { token: me.token });
      expect(
        (remaining.body['devices'] as Array<{ device_id: string }>).map((d) => d.device_id),
      ).toEqual([me.deviceId]);
    });

    it('answers deleting an unknown device with 404', async () => {
      const me = await server.register('dev2', 'dev-pass');
      const res = await server.request('DELETE', `${V3}/devices/NOPE`, {
        token: me.token,
        body: {},
      });
      expect(res).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    });
  });

  describe('profiles', () => {
    it('reads, sets and deletes the displayname and avatar', async () => {
      const me = await server.register('pia');
      const path = `${V3}/profile/${me.userId}`;
      expect((await server.request('GET', path)).body).toEqual({ displayname: 'pia' });
      expect(await server.request('GET', `${path}/avatar_url`)).toMatchObject({
        status: 404,
        body: { errcode: 'M_NOT_FOUND' },
      });

      expect(
        (
          await server.request('PUT', `${path}/displayname`, {
            token: me.token,
            body: { displayname: 'Pia P.' },
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await server.request('PUT', `${path}/avatar_url`, {
            token: me.token,
            body: { avatar_url: 'mxc://localhost/abc' },
          })
        ).status,
      ).toBe(200);
      expect((await server.request('GET', path)).body).toEqual({
        displayname: 'Pia P.',
        avatar_url: 'mxc://localhost/abc',
      });
      expect((await server.request('GET', `${path}/displayname`)).body).toEqual({
        displayname: 'Pia P.',
      });

      expect(
        (await server.request('DELETE', `${path}/avatar_url`, { token: me.token })).status,
      ).toBe(200);
      expect((await server.request('GET', `${path}/avatar_url`)).status).toBe(404);
    });

    it('refuses other users, unsupported and invalid keys, and unknown users', async () => {
      const me = await server.register('quinn');
      const other = await server.register('rex');
      const theirs = await server.request('PUT', `${V3}/profile/${other.userId}/displayname`, {
        token: me.token,
        body: { displayname: 'pwned' },
      });
      expect(theirs).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
      const tz = await server.request('PUT', `${V3}/profile/${me.userId}/m.tz`, {
        token: me.token,
        body: { 'm.tz': 'Europe/Paris' },
      });
      expect(tz).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
      const invalid = await server.request('PUT', `${V3}/profile/${me.userId}/Bad-Key`, {
        token: me.token,
        body: { 'Bad-Key': 1 },
      });
      expect(invalid).toMatchObject({ status: 400, body: { errcode: 'M_INVALID_PARAM' } });
      const missingKey = await server.request('PUT', `${V3}/profile/${me.userId}/displayname`, {
        token: me.token,
        body: { other: 1 },
      });
      expect(missingKey).toMatchObject({ status: 400, body: { errcode: 'M_MISSING_PARAM' } });
      for (const field of ['', '/displayname', '/avatar_url']) {
        const unknown = await server.request('GET', `${V3}/profile/@nobody:localhost${field}`);
        expect(unknown).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
      }
    });
  });
});
