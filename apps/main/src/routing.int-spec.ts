import { API_PREFIXES, CLIENT_VERSIONS, clientPaths, type ClientVersionSet } from '@chat/routing';

import { ENGINES, TestServer, type ApiResponse } from './test-server.test-helper';

/** The spec's CORS headers (client-server API, "Web Browser Clients"), exactly. */
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'X-Requested-With, Content-Type, Authorization',
};

function expectCors(headers: Headers): void {
  for (const [name, value] of Object.entries(CORS)) {
    expect({ name, value: headers.get(name) }).toEqual({ name, value });
  }
}

function expectUnrecognized(res: ApiResponse, status: 404 | 405): void {
  expect({ status: res.status, errcode: res.body['errcode'] }).toEqual({
    status,
    errcode: 'M_UNRECOGNIZED',
  });
  expect(typeof res.body['error']).toBe('string');
}

/** One endpoint per version set, with whether it needs a token. */
const SAMPLES: Record<ClientVersionSet, { path: string; query?: string; auth: boolean }> = {
  legacy: { path: 'login', auth: false },
  current: { path: 'account/whoami', auth: true },
  v1: { path: 'register/m.login.registration_token/validity', query: '?token=nope', auth: false },
  unversioned: { path: 'versions', auth: false },
};
const SETS = Object.keys(CLIENT_VERSIONS) as ClientVersionSet[];
/** Every segment of the list, plus two that no set has (a path can never be served under them). */
const SEGMENTS = [...new Set([...SETS.flatMap((set) => CLIENT_VERSIONS[set]), 'v2', 'r1'])];
const pathUnder = (prefix: string, segment: string, path: string) =>
  segment ? `${prefix}/client/${segment}/${path}` : `${prefix}/client/${path}`;

describe.each(ENGINES)('routing (%s)', (engine) => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await TestServer.start(engine);
    ({ token } = await server.register('router'));
  });
  afterAll(() => server?.stop());

  it.each([
    '/chat/client/v3/nope',
    '/_matrix/client/r0/nope/deeper',
    '/chat/nothing',
    '/_chat/nope',
  ])('answers the unknown path %s with 404 M_UNRECOGNIZED, token or not', async (path) => {
    expectUnrecognized(await server.request('GET', path), 404);
    expectUnrecognized(await server.request('POST', path, { body: {}, token }), 404);
  });

  it.each([
    ['DELETE', '/chat/client/v3/login'],
    ['PUT', '/chat/client/versions'],
    ['POST', '/chat/client/v3/account/whoami'],
    ['DELETE', '/_matrix/client/r0/login'],
    ['PATCH', '/chat/client/v3/devices/ABC'],
  ])(
    'answers %s %s (a known path, another method) with 405 M_UNRECOGNIZED',
    async (method, path) => {
      // Before any auth: the method is wrong whoever asks.
      expectUnrecognized(await server.request(method, path), 405);
      expectUnrecognized(await server.request(method, path, { token }), 405);
    },
  );

  it.each([
    '/chat/client/v3/account/whoami',
    '/_matrix/client/v3/delete_devices',
    '/chat/client/v3/nope',
    '/_chat/admin/v1/register',
    '/metrics',
    '/chat/client/v3/login?x=%00',
  ])('answers OPTIONS %s with 200 and the CORS headers, running no endpoint', async (path) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method: 'OPTIONS',
      headers: { Authorization: 'Bearer not-a-token', 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(200);
    expectCors(res.headers);
    expect(await res.json()).toEqual({});
  });

  it('sends the CORS headers and a request id on successes and on every kind of error', async () => {
    const answers = [
      await server.request('GET', '/chat/client/versions'),
      await server.request('GET', '/chat/client/v3/account/whoami', { token }),
      await server.request('GET', '/chat/client/v3/account/whoami'),
      await server.request('GET', '/chat/client/v3/account/whoami', { token: 'nope' }),
      await server.request('GET', '/chat/client/v3/nope'),
      await server.request('PUT', '/chat/client/versions'),
      await server.request('POST', '/chat/client/v3/login', { body: '{not json' }),
      await server.request('GET', '/chat/client/v3/register/available'),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 200, 401, 401, 404, 405, 400, 400]);
    for (const res of answers) {
      expectCors(res.headers);
      expect(res.headers.get('x-request-id')).toMatch(/^[\w.:-]{8,}$/);
    }
  });

  it('gives each request its own id, not one a client made up (no trusted proxy here)', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(async () => {
        const res = await server.request('GET', '/chat/client/versions', {
          headers: { 'X-Request-Id': 'chosen-by-client' },
        });
        return res.headers.get('x-request-id');
      }),
    );
    expect(new Set(ids).size).toBe(3);
    expect(ids).not.toContain('chosen-by-client');
  });

  describe('version segments follow the one constant list', () => {
    it('builds paths the way this suite does', () => {
      for (const set of SETS) {
        expect(clientPaths(set, 'x')).toEqual(
          API_PREFIXES.flatMap((prefix) =>
            CLIENT_VERSIONS[set].map((v) => pathUnder(prefix, v, 'x')),
          ),
        );
      }
    });

    it.each(SETS)(
      'serves the %s sample under each of its segments and both prefixes, identically',
      async (set) => {
        const { path, query = '', auth } = SAMPLES[set];
        const paths = clientPaths(set, path);
        expect(paths).toHaveLength(CLIENT_VERSIONS[set].length * API_PREFIXES.length);
        const answers = new Map<string, string>();
        for (const p of paths) {
          const res = await server.request('GET', `${p}${query}`, auth ? { token } : {});
          expect({ path: p, status: res.status }).toEqual({ path: p, status: 200 });
          answers.set(p, JSON.stringify(res.body));
        }
        expect(new Set(answers.values()).size).toBe(1);
      },
    );

    it.each(SETS)('answers the %s sample under any other segment with 404', async (set) => {
      const { path, query = '', auth } = SAMPLES[set];
      const others = SEGMENTS.filter(
        (s) => !(CLIENT_VERSIONS[set] as readonly string[]).includes(s),
      );
      expect(others.length).toBeGreaterThan(0);
      for (const prefix of API_PREFIXES) {
        for (const segment of others) {
          const p = pathUnder(prefix, segment, path);
          const res = await server.request('GET', `${p}${query}`, auth ? { token } : {});
          expect({ path: p, status: res.status, errcode: res.body['errcode'] }).toEqual({
            path: p,
            status: 404,
            errcode: 'M_UNRECOGNIZED',
          });
        }
      }
    });
  });

  it('answers GET /health with 200', async () => {
    const res = await fetch(`${server.baseUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('OK');
  });

  it('serves Prometheus text on /metrics with HTTP, pool and event-loop metrics', async () => {
    await server.request('GET', '/chat/client/v3/account/whoami', { token });
    const res = await fetch(`${server.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(
      /^chat_http_requests_total\{method="GET",endpoint="[^"]*\/account\/whoami",status="200"\} [1-9]/m,
    );
    expect(text).toMatch(/^chat_http_request_duration_seconds_count\{/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds [\d.e+-]+$/m);
    // Only PostgreSQL has a connection pool; SQLite holds one connection of its own.
    const pooled = /^chat_db_pool_connections\{state="total"\} [1-9]/m;
    if (engine === 'postgres') expect(text).toMatch(pooled);
    else expect(text).not.toMatch(pooled);
  });

  describe('a listener that names only the client resource', () => {
    let clientOnly: TestServer;

    beforeAll(async () => {
      clientOnly = await TestServer.start(engine, {
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
    afterAll(() => clientOnly?.stop());

    it('answers /metrics with 404 M_UNRECOGNIZED, JSON and CORS like any unknown path', async () => {
      const res = await fetch(`${clientOnly.baseUrl}/metrics`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expectCors(res.headers);
      expect(((await res.json()) as { errcode: string }).errcode).toBe('M_UNRECOGNIZED');
    });

    it('still serves client routes, and /health as every listener does', async () => {
      expect((await clientOnly.request('GET', '/chat/client/versions')).status).toBe(200);
      const { token: own } = await clientOnly.register('local');
      const whoami = await clientOnly.request('GET', '/_matrix/client/v3/account/whoami', {
        token: own,
      });
      expect(whoami.body['user_id']).toBe('@local:localhost');
      expect((await fetch(`${clientOnly.baseUrl}/health`)).status).toBe(200);
    });
  });
});
