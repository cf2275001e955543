import type { NextFunction, Request, Response } from 'express';
import { PassThrough } from 'node:stream';

import { bodyMiddleware, MAX_JSON_DEPTH } from './body.middleware';

interface Outcome {
  /** The parsed body when the request went on to the next handler. */
  body?: unknown;
  status?: number;
  errcode?: string;
}

/** Runs the middleware on a request with `body` at `url` and reports what it did. */
function run(body: string, url = '/chat/client/v3/x'): Promise<Outcome> {
  const req = Object.assign(new PassThrough(), {
    headers: {},
    path: url.split('?')[0],
    originalUrl: url,
  }) as unknown as Request & PassThrough;
  return new Promise((resolve) => {
    const res = {
      statusCode: 200,
      setHeader: () => res,
      end: (text: string) => {
        const error = JSON.parse(text) as { errcode: string };
        resolve({ status: res.statusCode, errcode: error.errcode });
      },
    };
    const next: NextFunction = () => resolve({ body: req.body });
    bodyMiddleware(1 << 20)(req, res as unknown as Response, next);
    req.end(body);
  });
}

/** A JSON object whose deepest value sits `depth` levels down, counting the object itself. */
const objectOfDepth = (depth: number) => `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

describe('bodyMiddleware', () => {
  it(`accepts JSON nested ${MAX_JSON_DEPTH} levels deep`, async () => {
    const { body } = await run(objectOfDepth(MAX_JSON_DEPTH));
    expect(body).toEqual({ a: expect.any(Array) });
  });

  it('refuses one level more, and far more, with 400 M_BAD_JSON', async () => {
    expect(await run(objectOfDepth(MAX_JSON_DEPTH + 1))).toEqual({
      status: 400,
      errcode: 'M_BAD_JSON',
    });
    expect(await run(objectOfDepth(100_000))).toEqual({ status: 400, errcode: 'M_BAD_JSON' });
  });

  it('counts depth through objects and arrays alike, not breadth', async () => {
    const wide = JSON.stringify({ a: Array.from({ length: 5000 }, () => ({ b: [1] })) });
    expect((await run(wide)).body).toEqual(JSON.parse(wide));
    let deepObject = '1';
    for (let i = 0; i <= MAX_JSON_DEPTH; i++) deepObject = `{"k":${deepObject}}`;
    expect(await run(deepObject)).toEqual({ status: 400, errcode: 'M_BAD_JSON' });
  });

  it('refuses U+0000 in any string or key of a body with 400 M_BAD_JSON', async () => {
    for (const body of ['{"a":"x\\u0000y"}', '{"a\\u0000":1}', '{"a":[{"b":["\\u0000"]}]}']) {
      expect(await run(body)).toEqual({ status: 400, errcode: 'M_BAD_JSON' });
    }
    expect((await run('{"a":"\\u0001 is fine"}')).body).toEqual({ a: '\u0001 is fine' });
  });

  it('refuses an encoded NUL anywhere in the URL with 400 M_INVALID_PARAM', async () => {
    for (const url of ['/chat/client/v3/devices/A%00B', '/chat/client/v3/x?token=a%00']) {
      expect(await run('{}', url)).toEqual({ status: 400, errcode: 'M_INVALID_PARAM' });
    }
    // An escaped percent sign followed by zeros is no NUL.
    expect(await run('{}', '/chat/client/v3/x?q=%2500')).toEqual({ body: {} });
  });
});
