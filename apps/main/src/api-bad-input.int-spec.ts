import { ENGINES, TestServer } from './test-server.test-helper';

/**
 * Every endpoint of the account API against malformed input: nothing answers 500 (the harness
 * fails on any 5xx), and each case gets the spec's status and errcode.
 */
interface Endpoint {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  auth: boolean;
  /** Whether the endpoint reads a JSON body. */
  body: boolean;
  /** Well-formed JSON with a wrongly typed field, and the errcode it must get. */
  wrongType?: {
    body?: unknown;
    query?: string;
    errcode: 'M_BAD_JSON' | 'M_INVALID_PARAM' | 'M_MISSING_PARAM';
  };
}

const USER = '@someone:localhost';
const ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: '/chat/client/versions', auth: false, body: false },
  { method: 'GET', path: '/.well-known/matrix/client', auth: false, body: false },
  {
    method: 'POST',
    path: '/chat/client/v3/register',
    auth: false,
    body: true,
    wrongType: { body: { username: 5, password: 'x' }, errcode: 'M_BAD_JSON' },
  },
  {
    method: 'POST',
    path: '/chat/client/v3/register',
    auth: false,
    body: true,
    wrongType: { body: { auth: 'dummy' }, errcode: 'M_BAD_JSON' },
  },
  {
    method: 'POST',
    path: '/chat/client/v3/register',
    auth: false,
    body: true,
    wrongType: { query: '?kind=alien', body: {}, errcode: 'M_INVALID_PARAM' },
  },
  {
    method: 'GET',
    path: '/chat/client/v3/register/available',
    auth: false,
    body: false,
    wrongType: { query: '', errcode: 'M_INVALID_PARAM' },
  },
  {
    method: 'GET',
    path: '/chat/client/v1/register/m.login.registration_token/validity',
    auth: false,
    body: false,
    wrongType: { query: '', errcode: 'M_INVALID_PARAM' },
  },
  { method: 'GET', path: '/_chat/admin/v1/register', auth: false, body: false },
  {
    method: 'POST',
    path: '/_chat/admin/v1/register',
    auth: false,
    body: true,
    wrongType: {
      body: { nonce: 'n', username: 1, password: 'p', mac: 'ab' },
      errcode: 'M_BAD_JSON',
    },
  },
  { method: 'GET', path: '/chat/client/v3/login', auth: false, body: false },
  {
    method: 'POST',
    path: '/chat/client/v3/login',
    auth: false,
    body: true,
    wrongType: {
      body: { type: 'm.login.password', user: 'a', password: [] },
      errcode: 'M_BAD_JSON',
    },
  },
  {
    method: 'POST',
    path: '/chat/client/v3/login',
    auth: false,
    body: true,
    wrongType: { body: { type: 1 }, errcode: 'M_BAD_JSON' },
  },
  {
    method: 'POST',
    path: '/chat/client/v3/login',
    auth: false,
    body: true,
    wrongType: {
      body: { type: 'm.login.password', identifier: 'x', password: 'p' },
      errcode: 'M_BAD_JSON',
    },
  },
  { method: 'POST', path: '/chat/client/v3/logout', auth: true, body: true },
  { method: 'POST', path: '/chat/client/v3/logout/all', auth: true, body: true },
  { method: 'GET', path: '/chat/client/v3/account/whoami', auth: true, body: false },
  {
    method: 'POST',
    path: '/chat/client/v3/account/password',
    auth: true,
    body: true,
    wrongType: { body: { new_password: 1 }, errcode: 'M_BAD_JSON' },
  },
  {
    method: 'POST',
    path: '/chat/client/v3/account/deactivate',
    auth: true,
    body: true,
    wrongType: { body: { erase: 'yes' }, errcode: 'M_BAD_JSON' },
  },
  { method: 'GET', path: '/chat/client/v3/account/3pid', auth: true, body: false },
  { method: 'GET', path: '/chat/client/v3/devices', auth: true, body: false },
  { method: 'GET', path: '/chat/client/v3/devices/ABC', auth: true, body: false },
  {
    method: 'PUT',
    path: '/chat/client/v3/devices/ABC',
    auth: true,
    body: true,
    wrongType: { body: { display_name: 1 }, errcode: 'M_BAD_JSON' },
  },
  { method: 'DELETE', path: '/chat/client/v3/devices/ABC', auth: true, body: true },
  {
    method: 'POST',
    path: '/chat/client/v3/delete_devices',
    auth: true,
    body: true,
    wrongType: { body: { devices: 'x' }, errcode: 'M_BAD_JSON' },
  },
  {
    method: 'POST',
    path: '/chat/client/v3/delete_devices',
    auth: true,
    body: true,
    wrongType: { body: { devices: [1] }, errcode: 'M_BAD_JSON' },
  },
  { method: 'GET', path: `/chat/client/v3/profile/${USER}`, auth: false, body: false },
  { method: 'GET', path: `/chat/client/v3/profile/${USER}/displayname`, auth: false, body: false },
  { method: 'PUT', path: `/chat/client/v3/profile/${USER}/displayname`, auth: true, body: true },
  {
    method: 'DELETE',
    path: `/chat/client/v3/profile/${USER}/displayname`,
    auth: true,
    body: false,
  },
  { method: 'GET', path: '/chat/client/v3/capabilities', auth: true, body: false },
];

const label = (e: Endpoint) => `${e.method} ${e.path}`;
const unique = <T>(items: T[], key: (t: T) => string) => [
  ...new Map(items.map((i) => [key(i), i])).values(),
];
const bodyEndpoints = unique(
  ENDPOINTS.filter((e) => e.body),
  label,
);
const authEndpoints = unique(
  ENDPOINTS.filter((e) => e.auth),
  label,
);

describe.each(ENGINES)('bad input (%s)', (engine) => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await TestServer.start(engine, { max_request_body_size: 4096 });
    ({ token } = await server.register('typist'));
  });
  afterAll(() => server.stop());

  it.each(bodyEndpoints.map((e) => [label(e), e] as const))(
    '%s: malformed JSON → 400 M_NOT_JSON',
    async (_, e) => {
      const res = await server.request(e.method, e.path, { body: '{not json', token });
      expect(res.status).toBe(400);
      expect(res.body['errcode']).toBe('M_NOT_JSON');
    },
  );

  it.each(bodyEndpoints.map((e) => [label(e), e] as const))(
    '%s: JSON that is not an object → 400 M_BAD_JSON',
    async (_, e) => {
      for (const body of ['[1,2]', '"text"', '42', 'null']) {
        const res = await server.request(e.method, e.path, { body, token });
        expect(res.status).toBe(400);
        expect(res.body['errcode']).toBe('M_BAD_JSON');
      }
    },
  );

  it.each(bodyEndpoints.map((e) => [label(e), e] as const))(
    '%s: body over the limit → 413 M_TOO_LARGE',
    async (_, e) => {
      const res = await server.request(e.method, e.path, {
        body: { padding: 'x'.repeat(8192) },
        token,
      });
      expect(res.status).toBe(413);
      expect(res.body['errcode']).toBe('M_TOO_LARGE');
    },
  );

  it.each(
    ENDPOINTS.flatMap((e) =>
      e.wrongType ? [[`${label(e)} ${JSON.stringify(e.wrongType)}`, e, e.wrongType] as const] : [],
    ),
  )('%s: wrong types → 400', async (_, e, { body, query = '', errcode }) => {
    const res = await server.request(e.method, `${e.path}${query}`, { body, token });
    expect(res.status).toBe(400);
    expect(res.body['errcode']).toBe(errcode);
  });

  it.each(authEndpoints.map((e) => [label(e), e] as const))(
    '%s: no token → 401 M_MISSING_TOKEN',
    async (_, e) => {
      const res = await server.request(e.method, e.path, { body: e.body ? {} : undefined });
      expect(res.status).toBe(401);
      expect(res.body['errcode']).toBe('M_MISSING_TOKEN');
    },
  );

  it.each(authEndpoints.map((e) => [label(e), e] as const))(
    '%s: unknown token → 401 M_UNKNOWN_TOKEN',
    async (_, e) => {
      const viaHeader = await server.request(e.method, e.path, {
        body: e.body ? {} : undefined,
        token: 'cht_bm9ib2R5_notatoken',
      });
      expect(viaHeader.status).toBe(401);
      expect(viaHeader.body['errcode']).toBe('M_UNKNOWN_TOKEN');
      const viaQuery = await server.request(
        e.method,
        `${e.path}?access_token=cht_bm9ib2R5_notatoken`,
        {
          body: e.body ? {} : undefined,
        },
      );
      expect(viaQuery.status).toBe(401);
      expect(viaQuery.body['errcode']).toBe('M_UNKNOWN_TOKEN');
    },
  );

  it('answers invalid UTF-8, deep nesting and odd content types with 4xx or success, never 500', async () => {
    const invalidUtf8 = await fetch(`${server.baseUrl}/chat/client/v3/login`, {
      method: 'POST',
      body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    });
    expect(invalidUtf8.status).toBe(400);
    expect(((await invalidUtf8.json()) as { errcode: string }).errcode).toBe('M_NOT_JSON');

    const deep = await server.request('POST', '/chat/client/v3/login', {
      body: `{"a":${'['.repeat(2000)}${']'.repeat(2000)}}`,
    });
    expect(deep.status).toBe(400);

    const textPlain = await server.request('POST', '/chat/client/v3/login', {
      body: {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: 'typist' },
        password: 'correct horse',
      },
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(textPlain.status).toBe(200);
  });
});
