import pino from 'pino';

import { bootstrapHttp, type RunningHttp } from '../bootstrap-http';
import { fakeResolver, TestAppModule } from '../testing/test-app.module';
import { testConfig, testListener } from '../testing/test-config';

const config = testConfig({
  maxRequestBodySize: 64,
  listeners: [testListener(['client']), testListener(['metrics']), testListener(['replication'])],
});

/** What the predicate was asked, to show it sees canonical paths and only public ones. */
const asked: Array<[string, string]> = [];
/** An app that owns one route of the test app: GET `/chat/client/v3/public`. */
const ownsRoute = (method: string, path: string): boolean => {
  asked.push([method, path]);
  return method === 'GET' && path === '/chat/client/v3/public';
};

let running: RunningHttp;
let client: string;
let metrics: string;
let replication: string;

beforeAll(async () => {
  running = await bootstrapHttp(TestAppModule.forConfig(config, fakeResolver), config, {
    logger: pino({ level: 'silent' }),
    ownsRoute,
  });
  [client, metrics, replication] = running.addresses.map((a) => `http://${a.host}:${a.port}`);
});
afterAll(() => running.close());
beforeEach(() => {
  asked.length = 0;
});

async function call(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json');
  return { status: res.status, headers: res.headers, body: json ? JSON.parse(text) : text };
}

describe('bootstrapHttp with ownsRoute', () => {
  it('serves an owned route under every spelling, asking about its canonical path', async () => {
    for (const path of [
      '/chat/client/v3/public',
      '/chat/client/r0/public',
      '/_matrix/client/v3/public',
      '/_matrix/client/r0/public?x=1',
    ]) {
      const res = await call(`${client}${path}`);
      expect([path, res.status]).toEqual([path, 200]);
    }
    expect(asked).toEqual(Array(4).fill(['GET', '/chat/client/v3/public']));
  });

  it('answers 404 M_UNRECOGNIZED, as for an unknown path, to public routes it does not own', async () => {
    const unknown = await call(`${client}/chat/client/v3/no-such-endpoint`, {
      headers: { Authorization: 'Bearer user_token' },
    });
    for (const [method, path] of [
      ['GET', '/chat/client/v3/whoami'],
      ['POST', '/chat/client/v3/public'],
      ['GET', '/_matrix/client/r0/maybe'],
      ['GET', '/.well-known/matrix/client'],
      ['GET', '/_chat/admin/v1/register'],
    ]) {
      const res = await call(`${client}${path}`, {
        method,
        headers: { Authorization: 'Bearer user_token' },
      });
      expect([method, path, res.status, res.body]).toEqual([method, path, 404, unknown.body]);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(unknown.body).toEqual({ errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
  });

  it('refuses before reading the body: a request too large for the server is still a 404', async () => {
    const res = await call(`${client}/chat/client/v3/echo`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(1000) }),
    });
    expect(res.status).toBe(404);
    expect(res.body['errcode']).toBe('M_UNRECOGNIZED');
  });

  it('still answers CORS preflights on any path', async () => {
    const res = await call(`${client}/chat/client/v3/whoami`, { method: 'OPTIONS' });
    expect(res.status).toBe(200);
  });

  it('leaves /health, /metrics and the replication API alone, without asking', async () => {
    const health = await call(`${client}/health`);
    expect([health.status, health.body]).toEqual([200, 'OK']);
    expect((await call(`${metrics}/metrics`)).status).toBe(200);
    const ping = await call(`${replication}/_chat/replication/ping`);
    expect([ping.status, ping.body]).toEqual([200, { pong: true }]);
    // The listener guard, not ownership, keeps replication off public listeners.
    expect((await call(`${client}/_chat/replication/ping`)).status).toBe(404);
    expect(asked).toEqual([]);
  });
});
