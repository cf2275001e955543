import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { HttpClient } from './http';
import { MatrixApi } from './matrix-api';
import { DummyRegistrar, SharedSecretRegistrar, sharedSecretMac } from './registration';

type Route = (body: Record<string, unknown>) => [number, unknown];

describe('sharedSecretMac', () => {
  it("matches Synapse's scheme (HMAC-SHA1 of nonce, user, password, admin flag)", () => {
    // Reference values from Python's hmac module.
    expect(sharedSecretMac('bench-secret', 'abcdef', 'alice', 'wonderland', false)).toBe(
      '3d6efaf05758e73c31b2162ffaff953f9c9cebe8',
    );
    expect(sharedSecretMac('bench-secret', 'abcdef', 'alice', 'wonderland', true)).toBe(
      '1bc8b521b93b44f7c047c4c142cd8dba7cbceacd',
    );
  });
});

describe('registrars', () => {
  let server: Server;
  let http: HttpClient;
  let routes: Record<string, Route>;
  const requests: Array<{ route: string; body: Record<string, unknown> }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => {
        const route = `${req.method} ${req.url}`;
        const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        requests.push({ route, body });
        const [status, json] = routes[route]?.(body) ?? [404, { errcode: 'M_UNRECOGNIZED' }];
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    http = new HttpClient(baseUrl, { timeoutMs: 5_000, signal: new AbortController().signal });
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    requests.length = 0;
  });

  const loggedIn = (user: string): [number, unknown] => [
    200,
    { user_id: `@${user}:example.org`, access_token: `tok_${user}`, device_id: 'DEV' },
  ];

  it('shared secret: fetches a nonce and posts the MAC to the configured admin path', async () => {
    const path = '/_synapse/admin/v1/register';
    routes = {
      [`GET ${path}`]: () => [200, { nonce: 'n1' }],
      [`POST ${path}`]: (body) =>
        body['mac'] === sharedSecretMac('s3cret', 'n1', 'bob', 'pw', false)
          ? loggedIn('bob')
          : [403, { errcode: 'M_FORBIDDEN' }],
    };
    const session = await new SharedSecretRegistrar(http, path, 's3cret').register('bob', 'pw');
    expect(session).toEqual({
      userId: '@bob:example.org',
      accessToken: 'tok_bob',
      deviceId: 'DEV',
      localpart: 'bob',
      password: 'pw',
    });
    expect(requests.map((r) => r.route)).toEqual([`GET ${path}`, `POST ${path}`]);
    expect(requests[1].body).toMatchObject({ nonce: 'n1', username: 'bob', admin: false });
  });

  it('shared secret: a wrong secret fails with the server errcode', async () => {
    const path = '/_chat/admin/v1/register';
    routes = {
      [`GET ${path}`]: () => [200, { nonce: 'n1' }],
      [`POST ${path}`]: () => [403, { errcode: 'M_FORBIDDEN', error: 'HMAC incorrect' }],
    };
    await expect(
      new SharedSecretRegistrar(http, path, 'wrong').register('bob', 'pw'),
    ).rejects.toMatchObject({ code: 'M_FORBIDDEN' });
  });

  it('dummy: answers the 401 challenge with m.login.dummy in its session, at the prefix', async () => {
    routes = {
      'POST /_matrix/client/v3/register': (body) =>
        body['auth']
          ? (body['auth'] as { session?: string }).session === 'S1'
            ? loggedIn('carol')
            : [401, { errcode: 'M_FORBIDDEN' }]
          : [401, { session: 'S1', flows: [{ stages: ['m.login.dummy'] }] }],
    };
    const registrar = new DummyRegistrar(new MatrixApi(http, '/_matrix'));
    const session = await registrar.register('carol', 'pw');
    expect(session.accessToken).toBe('tok_carol');
    expect(requests).toHaveLength(2);
    expect(requests[1].body).toMatchObject({
      username: 'carol',
      password: 'pw',
      auth: { type: 'm.login.dummy', session: 'S1' },
    });
  });

  it('dummy: refuses a server whose flows need more than m.login.dummy', async () => {
    routes = {
      'POST /chat/client/v3/register': () => [
        401,
        { session: 'S1', flows: [{ stages: ['m.login.registration_token'] }] },
      ],
    };
    const registrar = new DummyRegistrar(new MatrixApi(http, '/chat'));
    await expect(registrar.register('dave', 'pw')).rejects.toThrow(/m.login.dummy alone/);
    expect(requests).toHaveLength(1);
  });

  it('refuses a registration that returns no access token', async () => {
    routes = { 'POST /chat/client/v3/register': () => [200, { user_id: '@erin:example.org' }] };
    const registrar = new DummyRegistrar(new MatrixApi(http, '/chat'));
    await expect(registrar.register('erin', 'pw')).rejects.toThrow(/no access token/);
  });
});
