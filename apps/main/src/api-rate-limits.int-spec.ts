import { ENGINES, TestServer, type ApiResponse } from './test-server.test-helper';

const V3 = '/chat/client/v3';
const tiny = { per_second: 0.001, burst_count: 2 };
const unlimited = { per_second: 10_000, burst_count: 10_000 };

function expectLimited(res: ApiResponse): void {
  expect(res.status).toBe(429);
  expect(res.body['errcode']).toBe('M_LIMIT_EXCEEDED');
  expect(res.body['retry_after_ms']).toEqual(expect.any(Number));
  expect(res.body['retry_after_ms'] as number).toBeGreaterThan(0);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
}

/** Sends the request until the burst is spent; the request after it must be refused. */
async function tripsAfter(burst: number, send: (i: number) => Promise<ApiResponse>): Promise<void> {
  for (let i = 0; i < burst; i++) expect((await send(i)).status).not.toBe(429);
  expectLimited(await send(burst));
}

const loginBody = (user: string, password: string) => ({
  type: 'm.login.password',
  identifier: { type: 'm.id.user', user },
  password,
});

describe.each(ENGINES)('rate limits (%s)', (engine) => {
  it('rc_registration limits registration, availability checks and shared-secret registration', async () => {
    const server = await TestServer.start(engine, { rc_registration: tiny });
    try {
      await tripsAfter(2, (i) =>
        server.request('POST', `${V3}/register`, { body: { username: `r${i}`, password: 'x' } }),
      );
      await tripsAfter(2, (i) => server.request('GET', `${V3}/register/available?username=a${i}`));
      await tripsAfter(2, () => server.request('GET', '/_chat/admin/v1/register'));
    } finally {
      await server.stop();
    }
  });

  it('rc_registration_token_validity limits token validity checks', async () => {
    const server = await TestServer.start(engine, { rc_registration_token_validity: tiny });
    try {
      await tripsAfter(2, () =>
        server.request(
          'GET',
          '/chat/client/v1/register/m.login.registration_token/validity?token=t',
        ),
      );
    } finally {
      await server.stop();
    }
  });

  describe('rc_login', () => {
    it('address: logins from one address, whoever they are for', async () => {
      const server = await TestServer.start(engine, {
        rc_login: { address: tiny, account: unlimited, failed_attempts: unlimited },
      });
      try {
        await tripsAfter(2, (i) =>
          server.request('POST', `${V3}/login`, { body: loginBody(`someone${i}`, 'x') }),
        );
      } finally {
        await server.stop();
      }
    });

    it('account: successful logins to one account', async () => {
      const server = await TestServer.start(engine, {
        rc_login: { address: unlimited, account: tiny, failed_attempts: unlimited },
      });
      try {
        await server.register('popular', 'pw');
        await tripsAfter(2, () =>
          server.request('POST', `${V3}/login`, { body: loginBody('popular', 'pw') }),
        );
        // Another account is not affected.
        await server.register('other', 'pw');
        expect(
          (await server.request('POST', `${V3}/login`, { body: loginBody('other', 'pw') })).status,
        ).toBe(200);
      } finally {
        await server.stop();
      }
    });

    it('failed_attempts: wrong passwords lock the account out, even for the right one', async () => {
      const server = await TestServer.start(engine, {
        rc_login: { address: unlimited, account: unlimited, failed_attempts: tiny },
      });
      try {
        await server.register('target', 'right');
        for (let i = 0; i < 2; i++) {
          const res = await server.request('POST', `${V3}/login`, {
            body: loginBody('target', 'wrong'),
          });
          expect(res).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
        }
        expectLimited(
          await server.request('POST', `${V3}/login`, { body: loginBody('target', 'right') }),
        );
        expectLimited(
          await server.request('POST', `${V3}/login`, { body: loginBody('TARGET', 'right') }),
        );
      } finally {
        await server.stop();
      }
    });
  });
});
