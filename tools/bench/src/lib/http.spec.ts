import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ErrorTally, RequestError } from './errors';
import { HttpClient } from './http';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const TOKEN = 'syt_secret_access_token';

describe('HttpClient', () => {
  let server: Server;
  let baseUrl: string;
  let handler: Handler;
  const seen: Array<{ url?: string; authorization?: string; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ url: req.url, authorization: req.headers.authorization, body });
        handler(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    seen.length = 0;
  });

  const client = (timeoutMs = 5_000, signal = new AbortController().signal): HttpClient =>
    new HttpClient(baseUrl, { timeoutMs, signal });

  const reply =
    (status: number, body: string): Handler =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };

  it('sends the token as a bearer header only, the body as JSON, and the query encoded', async () => {
    handler = reply(200, '{"ok":true}');
    const result = await client().request('PUT', '/chat/client/v3/x', {
      token: TOKEN,
      body: { a: 1 },
      query: { filter: '{"room":{}}', since: undefined },
    });
    expect(result).toEqual({ json: { ok: true }, bytes: 11 });
    expect(seen[0].authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[0].url).toBe('/chat/client/v3/x?filter=%7B%22room%22%3A%7B%7D%7D');
    expect(seen[0].url).not.toContain(TOKEN);
    expect(JSON.parse(seen[0].body)).toEqual({ a: 1 });
  });

  it('sends no Authorization header without a token', async () => {
    handler = reply(200, '{}');
    await client().request('GET', '/x');
    expect(seen[0].authorization).toBeUndefined();
  });

  it('turns a Matrix error into its errcode, keeping status, body and retry_after_ms', async () => {
    handler = reply(429, '{"errcode":"M_LIMIT_EXCEEDED","error":"Too many","retry_after_ms":1500}');
    const err = (await client()
      .request('GET', '/x')
      .catch((e: unknown) => e)) as RequestError;
    expect(err).toBeInstanceOf(RequestError);
    expect(err.code).toBe('M_LIMIT_EXCEEDED');
    expect(err.status).toBe(429);
    expect(err.answer.retryAfterMs).toBe(1500);
    expect(err.answer.body).toMatchObject({ errcode: 'M_LIMIT_EXCEEDED' });
    expect(err.message).toContain('GET /x: 429 M_LIMIT_EXCEEDED Too many');
  });

  it('falls back to HTTP_<status> for an error without errcode, INVALID_JSON for a bad 200', async () => {
    handler = reply(502, '<html>bad gateway</html>');
    await expect(client().request('GET', '/x')).rejects.toMatchObject({ code: 'HTTP_502' });
    handler = reply(200, 'not json');
    await expect(client().request('GET', '/x')).rejects.toMatchObject({ code: 'INVALID_JSON' });
  });

  it('never puts the access token into an error message, even when the server echoes it', async () => {
    handler = (req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ errcode: 'M_UNKNOWN_TOKEN', error: `bad ${req.headers.authorization}` }),
      );
    };
    const err = (await client()
      .request('GET', '/x', { token: TOKEN })
      .catch((e: unknown) => e)) as RequestError;
    expect(err.code).toBe('M_UNKNOWN_TOKEN');
    expect(err.message).not.toContain(TOKEN);
    expect(err.message).toContain('<redacted>');
  });

  it('reports TIMEOUT when no answer comes within the per-request timeout', async () => {
    handler = () => undefined; // never answers
    await expect(client(50).request('GET', '/x')).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(client().request('GET', '/x', { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
  });

  it('reports ABORTED when the run or the caller stops the request, and does not count it', async () => {
    handler = () => undefined;
    const run = new AbortController();
    const pending = client(5_000, run.signal).request('GET', '/x');
    run.abort();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ABORTED' });
    const tally = new ErrorTally();
    tally.add(err);
    expect(tally.total).toBe(0);
  });

  it('reports NETWORK when nothing listens', async () => {
    const closed = new HttpClient('http://127.0.0.1:1', {
      timeoutMs: 5_000,
      signal: new AbortController().signal,
    });
    await expect(closed.request('GET', '/x')).rejects.toMatchObject({ code: 'NETWORK' });
  });
});

describe('ErrorTally', () => {
  it('counts failures by code, most frequent first', () => {
    const tally = new ErrorTally();
    for (const code of ['TIMEOUT', 'M_FORBIDDEN', 'TIMEOUT', 'NETWORK', 'TIMEOUT', 'M_FORBIDDEN']) {
      tally.add(new RequestError(code, code));
    }
    tally.add(new Error('not a request'));
    expect(tally.toJSON()).toEqual({ TIMEOUT: 3, M_FORBIDDEN: 2, CLIENT_ERROR: 1, NETWORK: 1 });
    expect(Object.keys(tally.toJSON())).toEqual([
      'TIMEOUT',
      'M_FORBIDDEN',
      'CLIENT_ERROR',
      'NETWORK',
    ]);
    expect(tally.total).toBe(7);
  });
});
