import { V3, expectError } from './accounts.test-helper';
import { ENGINES, TestServer } from './test-server.test-helper';

describe.each(ENGINES)('sendToDevice (%s)', (engine) => {
  let server: TestServer;
  let sender: { userId: string; token: string };
  let recipient: { userId: string; deviceId: string };

  beforeAll(async () => {
    server = await TestServer.start(engine);
    sender = await server.register('courier');
    recipient = await server.register('addressee');
  });
  afterAll(() => server?.stop());

  const send = (txn: string, body: unknown) =>
    server.request('PUT', `${V3}/sendToDevice/m.room_key_request/${txn}`, {
      token: sender.token,
      body,
    });

  it('accepts messages for devices, all devices and remote users, and replays a txn', async () => {
    const body = {
      messages: {
        [recipient.userId]: { [recipient.deviceId]: { action: 'request' }, '*': { action: 'all' } },
        '@someone:elsewhere.example': { DEV: { action: 'remote' } },
      },
    };
    expect(await send('t1', body)).toMatchObject({ status: 200, body: {} });
    expect(await send('t1', body)).toMatchObject({ status: 200, body: {} });
  });

  it('does not deliver what was sent to a deleted device to a new device reusing its id', async () => {
    const owner = await server.register('reuser');
    const login = async () => {
      const res = await server.request('POST', `${V3}/login`, {
        body: {
          type: 'm.login.password',
          identifier: { type: 'm.id.user', user: 'reuser' },
          password: 'correct horse',
          device_id: 'PHONE',
        },
      });
      expect(res.body['device_id']).toBe('PHONE');
      return res.body['access_token'] as string;
    };
    const sendToPhone = (txn: string, n: number) =>
      send(txn, { messages: { [owner.userId]: { PHONE: { n } } } });
    const toDevice = async (token: string, since?: string) => {
      const query = since === undefined ? '' : `?since=${encodeURIComponent(since)}`;
      const res = await server.request('GET', `${V3}/sync${query}`, { token });
      expect(res.status).toBe(200);
      const section = res.body['to_device'] as { events: unknown[] } | undefined;
      return { events: section?.events ?? [], nextBatch: res.body['next_batch'] as string };
    };

    const lost = await login();
    expect((await sendToPhone('to-old-phone', 1)).status).toBe(200);
    expect((await server.request('POST', `${V3}/logout`, { token: lost })).status).toBe(200);

    const found = await login();
    const first = await toDevice(found);
    expect(first.events).toEqual([]);
    expect((await sendToPhone('to-new-phone', 2)).status).toBe(200);
    expect((await toDevice(found, first.nextBatch)).events).toEqual([
      { sender: sender.userId, type: 'm.room_key_request', content: { n: 2 } },
    ]);
    // The owner's other device was never sent anything.
    expect((await toDevice(owner.token)).events).toEqual([]);
  });

  it.each([
    ['messages missing', {}],
    ['messages not an object', { messages: [] }],
    ['an invalid user id', { messages: { 'not-a-user': { D: {} } } }],
    ['a device map that is not an object', { messages: { '@a:localhost': 'x' } }],
    ['content that is not an object', { messages: { '@a:localhost': { D: 5 } } }],
  ])('refuses %s with 400 M_BAD_JSON', async (_, body) => {
    expectError(await send(`bad-${Math.random()}`, body), 400, 'M_BAD_JSON');
  });
});
