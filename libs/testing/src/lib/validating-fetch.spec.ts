import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenApiValidator } from './openapi-validator';
import { type SpecViolation, validatingFetch } from './validating-fetch';

/** A real HTTP server whose answers are chosen per path, so that the fetch goes over the wire. */
const answers: Record<string, { status: number; type: string; body: string }> = {
  '/_matrix/client/v3/account/whoami': {
    status: 200,
    type: 'application/json',
    body: JSON.stringify({ user_id: '@a:localhost', device_id: 'D' }),
  },
  '/chat/client/v3/login': {
    status: 200,
    type: 'application/json',
    body: JSON.stringify({ access_token: 't' }),
  },
  '/_matrix/client/v3/nothing': { status: 404, type: 'text/html', body: '<h1>Not found</h1>' },
  '/_matrix/media/v3/download/localhost/abc': { status: 200, type: 'image/png', body: 'PNG' },
  '/_matrix/client/v3/broken': { status: 200, type: 'application/json', body: '{"trunc' },
};

describe('validatingFetch', () => {
  let server: Server;
  let base: string;
  let violations: SpecViolation[];
  let fetchFn: typeof fetch;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const answer = answers[req.url ?? ''];
      res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fetchFn = validatingFetch(fetch, await OpenApiValidator.load(), (v) => violations.push(v));
  });

  beforeEach(() => {
    violations = [];
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('passes a conforming response through untouched and reports nothing', async () => {
    const res = await fetchFn(`${base}/_matrix/client/v3/account/whoami`);
    expect(await res.json()).toEqual({ user_id: '@a:localhost', device_id: 'D' });
    expect(violations).toEqual([]);
  });

  it('reports a non-conforming JSON response and still returns it', async () => {
    const res = await fetchFn(
      new Request(`${base}/chat/client/v3/login`, { method: 'POST', body: '{}' }),
    );
    expect(await res.json()).toEqual({ access_token: 't' });
    expect(violations).toEqual([
      {
        method: 'POST',
        url: `${base}/chat/client/v3/login`,
        status: 200,
        operation: 'POST /_matrix/client/v3/login (login)',
        errors: expect.arrayContaining(["200 (body) must have required property 'user_id'"]),
      },
    ]);
  });

  it('reports an error response that is not JSON', async () => {
    const res = await fetchFn(`${base}/_matrix/client/v3/nothing`, { method: 'GET' });
    expect(res.status).toBe(404);
    expect(violations).toEqual([
      expect.objectContaining({ errors: ['error response is not JSON (text/html)'] }),
    ]);
  });

  it('lets non-JSON success bodies such as media through unchecked', async () => {
    const res = await fetchFn(new URL(`${base}/_matrix/media/v3/download/localhost/abc`));
    expect(await res.text()).toBe('PNG');
    expect(violations).toEqual([]);
  });

  it('reports a JSON content type with an unparseable body', async () => {
    await fetchFn(`${base}/_matrix/client/v3/broken`);
    expect(violations).toEqual([
      expect.objectContaining({ errors: [expect.stringMatching(/^body is not valid JSON/)] }),
    ]);
  });
});
