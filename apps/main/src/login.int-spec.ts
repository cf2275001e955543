import {
  V3,
  deviceIds,
  expectError,
  expectTokenAlive,
  expectTokenDead,
} from './accounts.test-helper';
import { ENGINES, TestServer } from './test-server.test-helper';

const LOGIN = `${V3}/login`;

describe.each(ENGINES)('login and logout (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(engine);
    await server.register('lena', 'pa55word');
  });
  afterAll(() => server?.stop());

  it('offers the password flow', async () => {
    const res = await server.request('GET', LOGIN);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ flows: [{ type: 'm.login.password' }] });
  });

  it.each([
    ['an m.id.user localpart', { identifier: { type: 'm.id.user', user: 'lena' } }],
    ['a full user id', { identifier: { type: 'm.id.user', user: '@lena:localhost' } }],
    ['a differently-cased localpart', { identifier: { type: 'm.id.user', user: 'LeNa' } }],
    ['a differently-cased user id', { identifier: { type: 'm.id.user', user: '@LENA:localhost' } }],
    ['the legacy user field', { user: 'lena' }],
  ])('logs in with %s', async (_, who) => {
    const res = await server.request('POST', LOGIN, {
      body: { type: 'm.login.password', password: 'pa55word', ...who },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      user_id: '@lena:localhost',
      access_token: expect.any(String),
      device_id: expect.any(String),
    });
    const token = res.body['access_token'] as string;
    expect((await server.request('GET', `${V3}/account/whoami`, { token })).body).toEqual({
      user_id: '@lena:localhost',
      device_id: res.body['device_id'],
      is_guest: false,
    });
  });

  it('uses the requested device id and display name', async () => {
    const res = await server.request('POST', LOGIN, {
      body: {
        type: 'm.login.password',
        user: 'lena',
        password: 'pa55word',
        device_id: 'LENAPHONE',
        initial_device_display_name: 'Lena phone',
      },
    });
    expect(res.body['device_id']).toBe('LENAPHONE');
    const device = await server.request('GET', `${V3}/devices/LENAPHONE`, {
      token: res.body['access_token'] as string,
    });
    expect(device.body).toMatchObject({ device_id: 'LENAPHONE', display_name: 'Lena phone' });
  });

  it.each([
    ['a wrong password', 'lena', 'wrong'],
    ['an unknown user', 'ghost', 'pa55word'],
  ])('refuses %s with 403 M_FORBIDDEN', async (_, user, password) => {
    const res = await server.request('POST', LOGIN, {
      body: { type: 'm.login.password', identifier: { type: 'm.id.user', user }, password },
    });
    expectError(res, 403, 'M_FORBIDDEN');
  });

  it('refuses an unknown login type with 400', async () => {
    const res = await server.request('POST', LOGIN, {
      body: { type: 'm.login.magic', user: 'lena', password: 'pa55word' },
    });
    expectError(res, 400, 'M_UNKNOWN');
  });

  it('logout kills the token and deletes its device, and nothing else', async () => {
    const leaving = await server.login('lena', 'pa55word');
    const staying = await server.login('lena', 'pa55word');
    expect(await deviceIds(server, staying.token)).toContain(leaving.deviceId);

    const res = await server.request('POST', `${V3}/logout`, { token: leaving.token, body: {} });
    expect(res).toMatchObject({ status: 200, body: {} });
    await expectTokenDead(server, leaving.token);
    await expectTokenAlive(server, staying.token);
    const remaining = await deviceIds(server, staying.token);
    expect(remaining).not.toContain(leaving.deviceId);
    expect(remaining).toContain(staying.deviceId);
  });

  it('logout/all kills every token and device of the user, and nobody else’s', async () => {
    const bystander = await server.register('bystander');
    await server.register('multi', 'multi-pass');
    const a = await server.login('multi', 'multi-pass');
    const b = await server.login('multi', 'multi-pass');

    const res = await server.request('POST', `${V3}/logout/all`, { token: a.token, body: {} });
    expect(res).toMatchObject({ status: 200, body: {} });
    for (const token of [a.token, b.token]) await expectTokenDead(server, token);
    await expectTokenAlive(server, bystander.token);

    const fresh = await server.login('multi', 'multi-pass');
    expect(await deviceIds(server, fresh.token)).toEqual([fresh.deviceId]);
  });
});
