import {
  V3,
  deviceIds,
  expectError,
  expectTokenAlive,
  expectTokenDead,
  withPasswordAuth,
} from './accounts.test-helper';
import { ENGINES, TestServer } from './test-server.test-helper';

describe.each(ENGINES)('devices (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(engine);
  });
  afterAll(() => server?.stop());

  it('lists the user’s devices and reads one', async () => {
    const me = await server.register('lister', 'pw');
    const second = await server.login('lister', 'pw');
    await server.register('stranger');

    expect(await deviceIds(server, me.token)).toEqual([me.deviceId, second.deviceId].sort());
    const one = await server.request('GET', `${V3}/devices/${second.deviceId}`, {
      token: me.token,
    });
    expect(one).toMatchObject({ status: 200, body: { device_id: second.deviceId } });
  });

  it('answers an unknown device, or another user’s, with 404 M_NOT_FOUND', async () => {
    const me = await server.register('seeker', 'pw');
    const other = await server.register('hider', 'pw');
    for (const deviceId of ['NOPE', other.deviceId]) {
      const path = `${V3}/devices/${deviceId}`;
      expectError(await server.request('GET', path, { token: me.token }), 404, 'M_NOT_FOUND');
      const rename = await server.request('PUT', path, {
        token: me.token,
        body: { display_name: 'x' },
      });
      expectError(rename, 404, 'M_NOT_FOUND');
      // Before any auth stage: there is nothing to authorise.
      const remove = await server.request('DELETE', path, { token: me.token, body: {} });
      expectError(remove, 404, 'M_NOT_FOUND');
    }
    await expectTokenAlive(server, other.token);
  });

  it('renames a device', async () => {
    const me = await server.register('renamer', 'pw');
    const path = `${V3}/devices/${me.deviceId}`;
    const res = await server.request('PUT', path, {
      token: me.token,
      body: { display_name: 'Laptop' },
    });
    expect(res).toMatchObject({ status: 200, body: {} });
    expect((await server.request('GET', path, { token: me.token })).body).toMatchObject({
      device_id: me.deviceId,
      display_name: 'Laptop',
    });
    const list = await server.request('GET', `${V3}/devices`, { token: me.token });
    expect(list.body['devices']).toEqual([
      expect.objectContaining({ device_id: me.deviceId, display_name: 'Laptop' }),
    ]);
  });

  it('deletes a device after password auth; its token dies', async () => {
    const me = await server.register('deleter', 'pw');
    const doomed = await server.login('deleter', 'pw');
    const path = `${V3}/devices/${doomed.deviceId}`;
    const res = await withPasswordAuth(server, 'DELETE', path, {
      token: me.token,
      user: 'deleter',
      password: 'pw',
    });
    expect(res).toMatchObject({ status: 200, body: {} });
    expectError(await server.request('GET', path, { token: me.token }), 404, 'M_NOT_FOUND');
    await expectTokenDead(server, doomed.token);
    expect(await deviceIds(server, me.token)).toEqual([me.deviceId]);
  });

  it('refuses to delete a device with a wrong password', async () => {
    const me = await server.register('careful', 'pw');
    const kept = await server.login('careful', 'pw');
    const res = await withPasswordAuth(server, 'DELETE', `${V3}/devices/${kept.deviceId}`, {
      token: me.token,
      user: 'careful',
      password: 'wrong',
    });
    expectError(res, 401, 'M_FORBIDDEN');
    await expectTokenAlive(server, kept.token);
  });

  it('delete_devices deletes the listed devices after password auth; their tokens die', async () => {
    const me = await server.register('bulk', 'pw');
    const a = await server.login('bulk', 'pw');
    const b = await server.login('bulk', 'pw');
    const kept = await server.login('bulk', 'pw');
    const res = await withPasswordAuth(
      server,
      'POST',
      `${V3}/delete_devices`,
      { token: me.token, user: 'bulk', password: 'pw' },
      // An unknown id is ignored, as in Synapse.
      { devices: [a.deviceId, b.deviceId, 'NOPE'] },
    );
    expect(res).toMatchObject({ status: 200, body: {} });
    for (const token of [a.token, b.token]) await expectTokenDead(server, token);
    await expectTokenAlive(server, kept.token);
    expect(await deviceIds(server, me.token)).toEqual([me.deviceId, kept.deviceId].sort());
  });
});
