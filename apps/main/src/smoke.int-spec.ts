import { ENGINES, TestServer } from './test-server.test-helper';

describe.each(ENGINES)('main app (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start(engine);
  });
  afterAll(() => server.stop());

  it('registers, logs in and answers whoami', async () => {
    const alice = await server.register('alice');
    const { token } = await server.login('alice');
    const whoami = await server.request('GET', '/chat/client/v3/account/whoami', { token });
    expect(whoami.status).toBe(200);
    expect(whoami.body).toEqual({
      user_id: alice.userId,
      device_id: expect.any(String),
      is_guest: false,
    });
  });
});
