import { Writable } from 'node:stream';
import pino from 'pino';
import { bootstrapHttp, type RunningHttp } from './bootstrap-http';
import { fakeResolver, TestAppModule } from './testing/test-app.module';
import { testConfig, testListener } from './testing/test-config';

/** Log records written during the tests, to check the access log and error logging. */
const records: Array<Record<string, unknown>> = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk, _encoding, callback) {
      records.push(JSON.parse(String(chunk)));
      callback();
    },
  }),
);

const config = testConfig({
  maxRequestBodySize: 1024,
  rcLogin: {
    address: { perSecond: 0.5, burstCount: 2 },
    account: { perSecond: 1, burstCount: 1 },
    failedAttempts: { perSecond: 1, burstCount: 1 },
  },
  listeners: [
    testListener(['client']),
    testListener(['metrics']),
    testListener(['client', 'replication'], { xForwarded: true }),
  ],
});

let running: RunningHttp;
let client: string;
let metrics: string;
let proxied: string;

beforeAll(async () => {
  running = await bootstrapHttp(TestAppModule.forConfig(config, fakeResolver), config, { logger });
  [client, metrics, proxied] = running.addresses.map((a) => `http://${a.host}:${a.port}`);
});
afterAll(() => running.close());

async function call(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

function expectJsonError(
  res: { status: number; body: Record<string, unknown>; headers: Headers },
  status: number,
  errcode: string,
): void {
  expect(res.status).toBe(status);
  expect(res.body['errcode']).toBe(errcode);
  expect(typeof res.body['error']).toBe('string');
  expect(res.headers.get('content-type')).toBe('application/json');
}

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

describe('bootstrapHttp', () => {
  it('reports one address per listener with the real port', () => {
    expect(running.addresses).toEqual([
      { host: '127.0.0.1', port: expect.any(Number), resources: ['client'] },
      { host: '127.0.0.1', port: expect.any(Number), resources: ['metrics'] },
      { host: '127.0.0.1', port: expect.any(Number), resources: ['client', 'replication'] },
    ]);
    expect(running.addresses.every((a) => a.port > 0)).toBe(true);
  });

  describe('CORS', () => {
    it('answers OPTIONS on any path with {} and no auth', async () => {
      for (const path of ['/chat/client/v3/whoami', '/no/such/path']) {
        const res = await call(`${client}${path}`, { method: 'OPTIONS' });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({});
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect(res.headers.get('access-control-allow-methods')).toBe(
          'GET, POST, PUT, DELETE, OPTIONS',
        );
        expect(res.headers.get('access-control-allow-headers')).toBe(
          'X-Requested-With, Content-Type, Authorization',
        );
      }
    });

    it('puts the headers on errors too', async () => {
      const res = await call(`${client}/chat/client/v3/whoami`);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    });
  });

  describe('authentication', () => {
    it('401 M_MISSING_TOKEN without a token', async () => {
      expectJsonError(await call(`${client}/chat/client/v3/whoami`), 401, 'M_MISSING_TOKEN');
    });

    it('401 M_UNKNOWN_TOKEN with soft_logout false for an unknown token, header or query', async () => {
      for (const res of [
        await call(`${client}/chat/client/v3/whoami`, bearer('nope')),
        await call(`${client}/chat/client/v3/whoami?access_token=nope`),
      ]) {
        expectJsonError(res, 401, 'M_UNKNOWN_TOKEN');
        expect(res.body['soft_logout']).toBe(false);
      }
    });

    it('accepts a known token from the header or the query', async () => {
      for (const res of [
        await call(`${client}/chat/client/v3/whoami`, bearer('user_token')),
        await call(`${client}/chat/client/v3/whoami?access_token=user_token`),
      ]) {
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ user_id: '@alice:test.local' });
      }
    });

    it('refuses a malformed Authorization header and mixing header and query', async () => {
      expectJsonError(
        await call(`${client}/chat/client/v3/whoami`, { headers: { Authorization: 'Basic abc' } }),
        401,
        'M_MISSING_TOKEN',
      );
      expectJsonError(
        await call(`${client}/chat/client/v3/whoami?access_token=user_token`, bearer('user_token')),
        401,
        'M_MISSING_TOKEN',
      );
    });

    it('403 M_GUEST_ACCESS_FORBIDDEN for guests unless the route allows them', async () => {
      expectJsonError(
        await call(`${client}/chat/client/v3/whoami`, bearer('guest_token')),
        403,
        'M_GUEST_ACCESS_FORBIDDEN',
      );
      const ok = await call(`${client}/chat/client/v3/guest_ok`, bearer('guest_token'));
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ user_id: '@guest:test.local', is_guest: true });
    });

    it('optional auth: no token → no requester; a bad token still fails', async () => {
      expect((await call(`${client}/chat/client/v3/maybe`)).body).toEqual({ user_id: null });
      expect((await call(`${client}/chat/client/v3/maybe`, bearer('user_token'))).body).toEqual({
        user_id: '@alice:test.local',
      });
      expectJsonError(
        await call(`${client}/chat/client/v3/maybe`, bearer('nope')),
        401,
        'M_UNKNOWN_TOKEN',
      );
    });

    it('public routes ignore tokens', async () => {
      const res = await call(`${client}/chat/client/v3/public`, bearer('nope'));
      expect(res.status).toBe(200);
    });
  });

  describe('routing errors', () => {
    it('404 M_UNRECOGNIZED for an unknown path', async () => {
      expectJsonError(await call(`${client}/chat/client/v3/nothing`), 404, 'M_UNRECOGNIZED');
    });

    it('405 M_UNRECOGNIZED for a known path with the wrong method (params, array paths)', async () => {
      expectJsonError(
        await call(`${client}/chat/client/v3/rooms/!r:x/profile`, { method: 'GET' }),
        405,
        'M_UNRECOGNIZED',
      );
      expectJsonError(
        await call(`${client}/_matrix/client/v3/public`, { method: 'DELETE' }),
        405,
        'M_UNRECOGNIZED',
      );
    });
  });

  it('400, not 500, for a path parameter with a broken percent-encoding', async () => {
    const res = await call(`${client}/chat/client/v3/rooms/%E0%A4%A/profile`, {
      method: 'PUT',
      body: '{"displayname":"A"}',
    });
    expectJsonError(res, 400, 'M_BAD_JSON');
  });

  describe('bodies', () => {
    const post = (body: RequestInit['body'], headers: Record<string, string> = {}) =>
      call(`${client}/chat/client/v3/echo`, { method: 'POST', body, headers });

    it('parses JSON objects whatever the content type; empty is {}', async () => {
      expect((await post('{"a":1}')).body).toEqual({ a: 1 });
      expect((await post('{"a":"é"}', { 'Content-Type': 'text/plain' })).body).toEqual({ a: 'é' });
      expect((await post('')).body).toEqual({});
    });

    it('400 M_NOT_JSON for malformed JSON or invalid UTF-8', async () => {
      expectJsonError(await post('{"a":'), 400, 'M_NOT_JSON');
      expectJsonError(await post(new Uint8Array([0x7b, 0xff, 0x7d])), 400, 'M_NOT_JSON');
    });

    it('400 M_BAD_JSON for JSON that is not an object', async () => {
      for (const body of ['[1]', '"s"', '3', 'null']) {
        const res = await post(body);
        expectJsonError(res, 400, 'M_BAD_JSON');
        expect(res.body['error']).toBe('Content must be a JSON object');
      }
    });

    it('413 M_TOO_LARGE over max_request_body_size, declared or streamed', async () => {
      expectJsonError(await post(JSON.stringify({ a: 'x'.repeat(2000) })), 413, 'M_TOO_LARGE');
      const chunk = new TextEncoder().encode(' '.repeat(800));
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(chunk);
          controller.enqueue(chunk);
          controller.close();
        },
      });
      const res = await call(`${client}/chat/client/v3/echo`, {
        method: 'POST',
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expectJsonError(res, 413, 'M_TOO_LARGE');
    });

    it('keeps non-JSON media uploads raw', async () => {
      const raw = await call(`${client}/_matrix/media/v3/upload`, {
        method: 'POST',
        body: new Uint8Array([1, 2, 3]),
        headers: { 'Content-Type': 'image/png' },
      });
      expect(raw.body).toEqual({ raw: true, length: 3 });
    });
  });

  describe('validation', () => {
    const put = (body: unknown) =>
      call(`${client}/chat/client/v3/rooms/!r:x/profile`, {
        method: 'PUT',
        body: JSON.stringify(body),
      });

    it('strips unknown fields and keeps valid ones', async () => {
      const res = await put({ displayname: 'A', extra: true, avatar: { url: 'mxc://x/y' } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        roomId: '!r:x',
        body: { displayname: 'A', avatar: { url: 'mxc://x/y' } },
      });
    });

    it('400 M_BAD_JSON naming the bad fields', async () => {
      const res = await put({ displayname: 5, avatar: { url: 1 } });
      expectJsonError(res, 400, 'M_BAD_JSON');
      expect(res.body['error']).toContain('displayname must be a string');
      expect(res.body['error']).toContain('avatar.url must be a string');
    });

    it('400 M_MISSING_PARAM for an absent required field; null is present, so M_BAD_JSON', async () => {
      const missing = await put({ avatar: { url: 'mxc://x/y' } });
      expectJsonError(missing, 400, 'M_MISSING_PARAM');
      expect(missing.body['error']).toContain('displayname');
      expectJsonError(await put({ displayname: 'A', avatar: {} }), 400, 'M_MISSING_PARAM');
      expectJsonError(await put({ displayname: null }), 400, 'M_BAD_JSON');
    });

    it('400 M_MISSING_PARAM for an absent required query parameter', async () => {
      expect((await call(`${client}/chat/client/v3/lookup?term=a`)).body).toEqual({ term: 'a' });
      expectJsonError(await call(`${client}/chat/client/v3/lookup`), 400, 'M_MISSING_PARAM');
      expectJsonError(
        await call(`${client}/chat/client/v3/lookup?term=a&term=b`),
        400,
        'M_INVALID_PARAM',
      );
    });

    it('query DTOs convert strings and fail with 400 M_INVALID_PARAM', async () => {
      expect((await call(`${client}/chat/client/v3/search?limit=5`)).body).toEqual({ limit: 5 });
      const res = await call(`${client}/chat/client/v3/search?limit=500`);
      expectJsonError(res, 400, 'M_INVALID_PARAM');
      expect(res.body['error']).toContain('limit');
    });
  });

  it('429 M_LIMIT_EXCEEDED with retry_after_ms and Retry-After', async () => {
    const limited = () => call(`${client}/chat/client/v3/limited`, { method: 'POST' });
    expect((await limited()).status).toBe(200);
    expect((await limited()).status).toBe(200);
    const res = await limited();
    expectJsonError(res, 429, 'M_LIMIT_EXCEEDED');
    const retryMs = res.body['retry_after_ms'] as number;
    expect(retryMs).toBeGreaterThan(1000);
    expect(retryMs).toBeLessThanOrEqual(2000);
    expect(res.headers.get('retry-after')).toBe('2');
  });

  it('500 M_UNKNOWN for a thrown Error, logged with its stack, never leaked', async () => {
    const res = await call(`${client}/chat/client/v3/boom`);
    expectJsonError(res, 500, 'M_UNKNOWN');
    expect(res.body).toEqual({ errcode: 'M_UNKNOWN', error: 'Internal server error' });
    const logged = records.find((r) => r['msg'] === 'Unhandled error while handling a request');
    expect((logged?.['err'] as { stack: string }).stack).toContain('secret detail');
  });

  describe('listeners and resources', () => {
    it('serves client routes only where the client resource is named', async () => {
      expect((await call(`${client}/chat/client/v3/public`)).status).toBe(200);
      expectJsonError(await call(`${metrics}/chat/client/v3/public`), 404, 'M_UNRECOGNIZED');
      expectJsonError(await call(`${client}/_chat/replication/ping`), 404, 'M_UNRECOGNIZED');
      expect((await call(`${proxied}/_chat/replication/ping`)).body).toEqual({ pong: true });
    });

    it('serves /metrics only where named', async () => {
      expectJsonError(await call(`${client}/metrics`), 404, 'M_UNRECOGNIZED');
      const res = await fetch(`${metrics}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('nodejs_eventloop_lag_seconds');
      expect(text).toMatch(
        /chat_http_requests_total\{method="PUT",endpoint="\/chat\/client\/v3\/rooms\/:roomId\/profile",status="200"\} \d+/,
      );
      expect(text).toMatch(
        /chat_http_requests_total\{method="GET",endpoint="unmatched",status="404"\}/,
      );
      expect(text).toContain('chat_http_request_duration_seconds_bucket');
    });

    it('answers /health with OK on every listener', async () => {
      for (const base of [client, metrics, proxied]) {
        const res = await fetch(`${base}/health`);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe('OK');
      }
    });

    it('trusts X-Forwarded-For and X-Request-Id only on x_forwarded listeners', async () => {
      const headers = { 'X-Forwarded-For': '203.0.113.7, 10.0.0.1', 'X-Request-Id': 'abc-123' };
      const direct = await call(`${client}/chat/client/v3/public`, { headers });
      expect(direct.body).toEqual({ ip: '127.0.0.1' });
      expect(direct.headers.get('x-request-id')).toMatch(/^[0-9a-f]{16}$/);
      const viaProxy = await call(`${proxied}/chat/client/v3/public`, { headers });
      expect(viaProxy.body).toEqual({ ip: '203.0.113.7' });
      expect(viaProxy.headers.get('x-request-id')).toBe('abc-123');
    });
  });

  it('writes one access-log line per request, without the access token', async () => {
    const res = await call(`${client}/chat/client/v3/whoami?access_token=user_token&x=1`);
    const requestId = res.headers.get('x-request-id');
    const lines = records.filter((r) => r['requestId'] === requestId && r['msg'] === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      method: 'GET',
      path: '/chat/client/v3/whoami?access_token=<redacted>&x=1',
      status: 200,
      userId: '@alice:test.local',
    });
    expect(typeof lines[0]['ms']).toBe('number');
    expect(JSON.stringify(records)).not.toContain('user_token');
  });
});

describe('bootstrapHttp without an access-token resolver', () => {
  it('answers every authenticated route with 401 M_UNKNOWN_TOKEN', async () => {
    const bare = testConfig();
    const app = await bootstrapHttp(TestAppModule.forConfig(bare), bare, { logger });
    try {
      const { host, port } = app.addresses[0];
      const res = await call(`http://${host}:${port}/chat/client/v3/whoami`, bearer('user_token'));
      expectJsonError(res, 401, 'M_UNKNOWN_TOKEN');
    } finally {
      await app.close();
    }
  });
});
