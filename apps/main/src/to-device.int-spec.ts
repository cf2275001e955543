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
