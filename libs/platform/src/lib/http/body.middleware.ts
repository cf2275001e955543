import { MatrixError } from '@chat/protocol';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { writeMatrixError } from './error-response';

/** Paths whose non-JSON bodies (uploads) are kept as raw bytes. */
const RAW_BODY_PREFIXES = ['/chat/media/', '/_matrix/media/'];
const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Deeper bodies are refused: JSON.parse copes with any depth, but JSON.stringify, validators and
 * canonical JSON recurse and would overflow the stack (a 500). Synapse's parser stops near 1000.
 */
export const MAX_JSON_DEPTH = 512;

function keepsRawBody(req: Request): boolean {
  const type = req.headers['content-type'];
  return (
    RAW_BODY_PREFIXES.some((prefix) => req.path.startsWith(prefix)) &&
    !(type && JSON_TYPE.test(type))
  );
}

/** Reads the whole body, or null once it passes `limit` bytes (reading then stops). */
function readBody(req: Request, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

/**
 * What is wrong with a parsed body, if anything: nesting deeper than `limit`, or U+0000 in a
 * string or key (no Matrix API has a use for it and PostgreSQL text cannot hold it). Iterative, so a
 * deep body cannot overflow the stack here.
 */
function bodyProblem(value: unknown, limit: number): string | null {
  const pending: Array<[unknown, number]> = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node === 'string') {
      if (node.includes('\0')) return 'Content must not contain NUL characters';
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return `Content nests deeper than ${limit} levels`;
    for (const [key, child] of Object.entries(node)) {
      if (key.includes('\0')) return 'Content must not contain NUL characters';
      pending.push([child, depth + 1]);
    }
  }
  return null;
}

function parseJsonObject(raw: Buffer): unknown {
  if (raw.length === 0) {
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(raw));
  } catch {
    throw MatrixError.notJson();
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw MatrixError.badJson('Content must be a JSON object');
  }
  const problem = bodyProblem(value, MAX_JSON_DEPTH);
  if (problem) throw MatrixError.badJson(problem);
  return value;
}

/**
 * Our body parser (Nest's is off): bodies are JSON objects whatever the Content-Type says, as
 * Synapse reads them, up to `maxBytes` and `MAX_JSON_DEPTH`; an empty body is `{}`. Media uploads
 * stay a Buffer. U+0000 is refused in URLs and JSON bodies alike: no Matrix identifier, token or
 * parameter contains it, and PostgreSQL text cannot hold it, so one check here keeps both engines
 * answering the same 400 instead of a database error.
 */
export function bodyMiddleware(maxBytes: number): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const fail = (error: MatrixError) => {
      if (error.status === 413) {
        // The rest of the body is not worth reading; the connection cannot be reused without it.
        res.setHeader('Connection', 'close');
      }
      writeMatrixError(res, error);
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      fail(MatrixError.tooLarge());
      return;
    }
    readBody(req, maxBytes).then(
      (raw) => {
        if (raw === null) {
          fail(MatrixError.tooLarge());
          return;
        }
        if (req.originalUrl.includes('%00')) {
          fail(MatrixError.invalidParam('The URL must not contain NUL characters'));
          return;
        }
        try {
          req.body = keepsRawBody(req) ? raw : parseJsonObject(raw);
        } catch (error) {
          fail(error instanceof MatrixError ? error : MatrixError.notJson());
          return;
        }
        next();
      },
      () => {
        // The client went away mid-body; nobody is left to answer.
        res.destroy();
      },
    );
  };
}
