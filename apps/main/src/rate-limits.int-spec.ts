import { V3 } from './accounts.test-helper';
import { ENGINES, TestServer, type ApiResponse } from './test-server.test-helper';

/** Two actions, then (practically) never another: the third trips the limit. */
const tiny = { per_second: 0.001, burst_count: 2 };

function expectLimited(res: ApiResponse): void {
  expect({ status: res.status, errcode: res.body['errcode'] }).toEqual({
    status: 429,
    errcode: 'M_LIMIT_EXCEEDED',
  });
  const retryAfterMs = res.body['retry_after_ms'];
  expect(typeof retryAfterMs).toBe('number');
  expect(retryAfterMs).toBeGreaterThan(0);
  expect(res.headers.get('retry-after')).toBe(String(Math.ceil((retryAfterMs as number) / 1000)));
}

const loginBody = (user: string, password: string) => ({
  type: 'm.login.password',
  identifier: { type: 'm.id.user', user },
  password,
});

/**
 * Every limit is tiny on one server. The listener trusts X-Forwarded-For, so each test speaks from
 * addresses of its own and the per-address limits of one test do not reach the others.
 */
describe.each(ENGINES)('rate limits (%s)', (engine) => {
  let server: TestServer;
  let lastAddress = 0;
  const freshAddress = () => `10.0.${Math.floor(++lastAddress / 250)}.${lastAddress % 250}`;
  const from = (address: string) => ({ 'X-Forwarded-For': address });

  beforeAll(async () => {
    server = await TestServer.start(engine, {
      listeners: [
        {
          port: 8008,
          bind_addresses: ['127.0.0.1'],
          type: 'http',
          x_forwarded: true,
          resources: [{ names: ['client', 'federation', 'health', 'metrics'] }],
        },
      ],
      rc_registration: tiny,
      rc_registration_token_validity: tiny,
      rc_login: { address: tiny, account: tiny, failed_attempts: tiny },
    });
  });
  afterAll(() => server?.stop());

  /** A whole m.login.dummy registration (two requests) from `address`. */
  const register = async (address: string, username: string, password = 'pw') => {
    const challenge = await server.request('POST', `${V3}/register`, {
      body: { username, password },
      headers: from(address),
    });
    if (challenge.status !== 401) return challenge;
    return server.request('POST', `${V3}/register`, {
      body: { auth: { type: 'm.login.dummy', session: challenge.body['session'] } },
      headers: from(address),
    });
  };
  const login = (user: string, password: string, address = freshAddress()) =>
    server.request('POST', `${V3}/login`, {
      body: loginBody(user, password),
      headers: from(address),
    });

  describe('rc_registration', () => {
    it('counts registrations from one address, not the requests of their auth flows', async () => {
      const address = freshAddress();
      for (const username of ['reg1', 'reg2']) {
        expect((await register(address, username)).status).toBe(200);
      }
      expectLimited(
        await server.request('POST', `${V3}/register`, {
          body: { username: 'reg3', password: 'pw' },
          headers: from(address),
        }),
      );
      expectLimited(
        await server.request('POST', `${V3}/register?kind=guest`, {
          body: {},
          headers: from(address),
        }),
      );
      // Another address is not affected.
      expect((await register(freshAddress(), 'reg3')).status).toBe(200);
    });

    it('limits register/available per address', async () => {
      const address = freshAddress();
      const available = (username: string, at = address) =>
        server.request('GET', `${V3}/register/available?username=${username}`, {
          headers: from(at),
        });
      for (const username of ['avail1', 'avail2']) {
        expect((await available(username)).status).toBe(200);
      }
      expectLimited(await available('avail3'));
      expect((await available('avail3', freshAddress())).status).toBe(200);
    });

    it('limits shared-secret registration nonces per address', async () => {
      const address = freshAddress();
      const nonce = () =>
        server.request('GET', '/_chat/admin/v1/register', { headers: from(address) });
      for (let i = 0; i < 2; i++) expect((await nonce()).status).toBe(200);
      expectLimited(await nonce());
    });
  });

  it('rc_registration_token_validity limits token validity checks per address', async () => {
    const address = freshAddress();
    const check = () =>
      server.request(
        'GET',
        '/chat/client/v1/register/m.login.registration_token/validity?token=t',
        {
          headers: from(address),
        },
      );
    for (let i = 0; i < 2; i++) expect((await check()).status).toBe(200);
    expectLimited(await check());
  });

  describe('rc_login', () => {
    it('address: logins from one address, whoever they are for', async () => {
      const address = freshAddress();
      for (const user of ['someone1', 'someone2']) {
        expect((await login(user, 'x', address)).status).toBe(403);
      }
      expectLimited(await login('someone3', 'x', address));
    });

    it('account: successful logins to one account, from any address', async () => {
      expect((await register(freshAddress(), 'popular')).status).toBe(200);
      for (let i = 0; i < 2; i++) expect((await login('popular', 'pw')).status).toBe(200);
      expectLimited(await login('popular', 'pw'));
      expectLimited(await login('POPULAR', 'pw'));
      // Another account is not affected.
      expect((await register(freshAddress(), 'unpopular')).status).toBe(200);
      expect((await login('unpopular', 'pw')).status).toBe(200);
    });

    it('account: failed attempts do not count, as in Synapse', async () => {
      expect((await register(freshAddress(), 'fumbler')).status).toBe(200);
      expect((await login('fumbler', 'wrong')).status).toBe(403);
      for (let i = 0; i < 2; i++) expect((await login('fumbler', 'pw')).status).toBe(200);
      expectLimited(await login('fumbler', 'pw'));
    });

    it('failed_attempts: wrong passwords lock the account out, even for the right one', async () => {
      expect((await register(freshAddress(), 'target', 'right')).status).toBe(200);
      for (let i = 0; i < 2; i++) {
        const res = await login('target', 'wrong');
        expect({ status: res.status, errcode: res.body['errcode'] }).toEqual({
          status: 403,
          errcode: 'M_FORBIDDEN',
        });
      }
      expectLimited(await login('target', 'right'));
      expectLimited(await login('TARGET', 'right'));
      expectLimited(await login('@target:localhost', 'right'));
    });
  });
});
