import { API_PREFIXES, CLIENT_VERSIONS, clientPaths } from '@chat/routing';

import { ENGINES, TestServer } from './test-server.test-helper';

describe.each(ENGINES)('routing (%s)', (engine) => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await TestServer.start(engine);
    ({ token } = await server.register('router'));
  });
  afterAll(() => server.stop());

  it.each([
    '/chat/client/v3/nope',
    '/_matrix/client/r0/nope/deeper',
    '/chat/nothing',
    '/_chat/admin/v1/nope',
  ])('answers the unknown path %s with 404 M_UNRECOGNIZED', async (path) => {
    const res = await server.request('GET', path);
    expect(res.status).toBe(404);
    expect(res.body['errcode']).toBe('M_UNRECOGNIZED');
  });

  it.each([
    ['DELETE', '/chat/client/v3/login'],
    ['PUT', '/chat/client/versions'],
    ['POST', '/chat/client/v3/account/whoami'],
    ['PATCH', '/_matrix/client/v3/devices/ABC'],
  ])('answers %s %s (a known path) with 405 M_UNRECOGNIZED', async (method, path) => {
    const res = await server.request(method, path, { token });
    expect(res.status).toBe(405);
    expect(res.body['errcode']).toBe('M_UNRECOGNIZED');
  });

  it('answers OPTIONS on any path with the CORS headers and no auth', async () => {
    for (const path of ['/chat/client/v3/account/whoami', '/_matrix/client/v3/nope']) {
      const res = await fetch(`${server.baseUrl}${path}`, { method: 'OPTIONS' });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toEqual(
        expect.stringContaining('DELETE'),
      );
      expect(res.headers.get('access-control-allow-headers')).toEqual(
        expect.stringContaining('Authorization'),
      );
    }
  });

  it('sends CORS headers and a request id on successes and errors alike', async () => {
    for (const res of [
      await server.request('GET', '/chat/client/versions'),
      await server.request('GET', '/chat/client/v3/account/whoami'),
    ]) {
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('x-request-id')).toMatch(/\S+/);
    }
  });

  describe('version segments follow the one constant list', () => {
    const samples = {
      legacy: { method: 'GET', path: 'login', auth: false },
      current: { method: 'GET', path: 'account/whoami', auth: true },
      v1: {
        method: 'GET',
        path: 'register/m.login.registration_token/validity?token=nope',
        auth: false,
      },
      unversioned: { method: 'GET', path: 'versions', auth: false },
    } as const;

    it.each(Object.keys(CLIENT_VERSIONS) as Array<keyof typeof CLIENT_VERSIONS>)(
      'every %s path answers, identically under /chat and /_matrix',
      async (set) => {
        const { method, path, auth } = samples[set];
        const paths = clientPaths(set, path);
        expect(paths).toHaveLength(CLIENT_VERSIONS[set].length * API_PREFIXES.length);
        const bodies = new Set<string>();
        for (const p of paths) {
          const res = await server.request(method, p, auth ? { token } : {});
          expect({ path: p, status: res.status }).toEqual({ path: p, status: 200 });
          bodies.add(JSON.stringify(res.body));
        }
        expect(bodies.size).toBe(1);
      },
    );

    it('does not serve current endpoints under the seed-only api/v1 segment', async () => {
      const res = await server.request('GET', '/chat/client/api/v1/account/whoami', { token });
      expect(res.status).toBe(404);
      expect(res.body['errcode']).toBe('M_UNRECOGNIZED');
    });
  });

  it('serves /health and Prometheus metrics', async () => {
    const health = await fetch(`${server.baseUrl}/health`);
    expect(health.status).toBe(200);
    const metrics = await fetch(`${server.baseUrl}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain('chat_http_requests_total');
    expect(text).toContain('chat_http_request_duration_seconds');
    expect(text).toContain('nodejs_eventloop_lag');
    // SQLite has one connection and no pool; PostgreSQL pools are gauged.
    if (engine === 'postgres')
      expect(text).toMatch(/chat_db_pool_connections\{state="total"\} [1-9]/);
  });
});

describe('a listener serves only the resources it names', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await TestServer.start('sqlite', {
      listeners: [
        {
          port: 8008,
          bind_addresses: ['127.0.0.1'],
          type: 'http',
          resources: [{ names: ['client'] }],
        },
      ],
    });
  });
  afterAll(() => server.stop());

  it('answers client routes but not /metrics', async () => {
    expect((await server.request('GET', '/chat/client/versions')).status).toBe(200);
    const metrics = await fetch(`${server.baseUrl}/metrics`);
    expect(metrics.status).toBe(404);
    expect(((await metrics.json()) as { errcode: string }).errcode).toBe('M_UNRECOGNIZED');
  });
});
