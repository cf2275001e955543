import { MatrixError } from '@chat/protocol';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { writeMatrixError } from './error-response';

/** Paths whose non-JSON bodies (uploads) are kept as raw bytes. */
const RAW_BODY_PREFIXES = ['/chat/media/', '/_matrix/media/'];
const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i;

const utf8 = new TextDecoder('utf-8', { fatal: true });

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
  return value;
}

/**
 * Our body parser (Nest's is off): bodies are JSON objects whatever the Content-Type says, as
 * Synapse reads them, up to `maxBytes`; an empty body is `{}`. Media uploads stay a Buffer.
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
