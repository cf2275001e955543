import { V3, expectError } from './accounts.test-helper';
import { ENGINES, TestServer } from './test-server.test-helper';

describe.each(ENGINES)('profiles (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(engine);
  });
  afterAll(() => server?.stop());

  it('starts with the localpart as displayname and no avatar, readable without a token', async () => {
    const me = await server.register('pia');
    const path = `${V3}/profile/${me.userId}`;
    expect(await server.request('GET', path)).toMatchObject({
      status: 200,
      body: { displayname: 'pia' },
    });
    expect((await server.request('GET', path)).body['avatar_url']).toBeUndefined();
    expect(await server.request('GET', `${path}/displayname`)).toMatchObject({
      status: 200,
      body: { displayname: 'pia' },
    });
    expectError(await server.request('GET', `${path}/avatar_url`), 404, 'M_NOT_FOUND');
  });

  it('sets and deletes the own displayname and avatar_url', async () => {
    const me = await server.register('paz');
    const path = `${V3}/profile/${me.userId}`;
    const put = (key: string, value: string) =>
      server.request('PUT', `${path}/${key}`, { token: me.token, body: { [key]: value } });

    expect(await put('displayname', 'Paz P.')).toMatchObject({ status: 200, body: {} });
    expect(await put('avatar_url', 'mxc://localhost/abc')).toMatchObject({
      status: 200,
      body: {},
    });
    expect((await server.request('GET', path)).body).toEqual({
      displayname: 'Paz P.',
      avatar_url: 'mxc://localhost/abc',
    });
    expect((await server.request('GET', `${path}/displayname`)).body).toEqual({
      displayname: 'Paz P.',
    });
    expect((await server.request('GET', `${path}/avatar_url`)).body).toEqual({
      avatar_url: 'mxc://localhost/abc',
    });

    for (const key of ['avatar_url', 'displayname']) {
      const res = await server.request('DELETE', `${path}/${key}`, { token: me.token });
      expect(res).toMatchObject({ status: 200, body: {} });
      expectError(await server.request('GET', `${path}/${key}`), 404, 'M_NOT_FOUND');
    }
    expect((await server.request('GET', path)).body).toEqual({});
  });

  it('refuses to change another user’s profile with 403 M_FORBIDDEN', async () => {
    const me = await server.register('quinn');
    const other = await server.register('rex');
    const path = `${V3}/profile/${other.userId}/displayname`;
    const put = await server.request('PUT', path, {
      token: me.token,
      body: { displayname: 'pwned' },
    });
    expectError(put, 403, 'M_FORBIDDEN');
    expectError(await server.request('DELETE', path, { token: me.token }), 403, 'M_FORBIDDEN');
    expect((await server.request('GET', path)).body).toEqual({ displayname: 'rex' });
  });

  it('refuses unsupported keys with 403 and invalid ones with 400', async () => {
    const me = await server.register('tess');
    const path = `${V3}/profile/${me.userId}`;
    const tz = await server.request('PUT', `${path}/m.tz`, {
      token: me.token,
      body: { 'm.tz': 'Europe/Paris' },
    });
    expectError(tz, 403, 'M_FORBIDDEN');
    const invalid = await server.request('PUT', `${path}/Bad-Key`, {
      token: me.token,
      body: { 'Bad-Key': 1 },
    });
    expectError(invalid, 400, 'M_INVALID_PARAM');
    const missing = await server.request('PUT', `${path}/displayname`, {
      token: me.token,
      body: { other: 1 },
    });
    expectError(missing, 400, 'M_MISSING_PARAM');
  });

  it('needs a token to change a profile', async () => {
    const me = await server.register('ursa');
    const res = await server.request('PUT', `${V3}/profile/${me.userId}/displayname`, {
      body: { displayname: 'anon' },
    });
    expectError(res, 401, 'M_MISSING_TOKEN');
  });

  it('answers an unknown user with 404 M_NOT_FOUND', async () => {
    for (const suffix of ['', '/displayname', '/avatar_url']) {
      const res = await server.request('GET', `${V3}/profile/@nobody:localhost${suffix}`);
      expectError(res, 404, 'M_NOT_FOUND');
    }
  });
});
