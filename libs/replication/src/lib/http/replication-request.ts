import * as http from 'node:http';
import * as https from 'node:https';
import type { InstanceLocation } from '@chat/config';
import type { AttemptFailure } from './replication-retry.policy';

/** Keep-alive connections to one instance's replication listener. */
export function instanceAgent(location: InstanceLocation): http.Agent {
  return 'host' in location && location.tls
    ? new https.Agent({ keepAlive: true })
    : new http.Agent({ keepAlive: true });
}

export interface ReplicationRequest {
  method: string;
  /** Path and query string. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface RawResponse {
  status: number;
  text: string;
}

/** A failed attempt, classified for the retry policy. */
export class AttemptError extends Error {
  constructor(
    readonly failure: AttemptFailure,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'AttemptError';
  }
}

/** Errors that mean the request never reached the server: nothing ran, retrying is safe. */
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // A unix socket that is not there (yet).
  'ENOENT',
]);

/** A kept-alive socket the server had closed: Node's advice is to retry on a new one. */
const STALE_SOCKET_ERRORS = new Set(['ECONNRESET', 'EPIPE']);

/** One attempt: the whole response, or an `AttemptError` saying how it failed. */
export function sendOnce(
  location: InstanceLocation,
  agent: http.Agent,
  request: ReplicationRequest,
  timeoutMs: number,
): Promise<RawResponse> {
  const target =
    'path' in location
      ? { socketPath: location.path }
      : { host: location.host, port: location.port };
  const send = 'host' in location && location.tls ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = send({
      ...target,
      agent,
      method: request.method,
      path: request.path,
      headers: request.headers,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error(`no response within ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (error: unknown) => {
      clearTimeout(timer);
      reject(new AttemptError(timedOut ? 'timeout' : classify(error, req.reusedSocket), error));
    };
    req.once('error', fail);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', fail);
      res.once('close', () => {
        if (!res.complete) fail(new Error('response cut short'));
      });
      res.once('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(request.body);
  });
}

function classify(error: unknown, reusedSocket: boolean): AttemptFailure {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (CONNECT_ERRORS.has(code)) return 'connect';
  return reusedSocket && STALE_SOCKET_ERRORS.has(code) ? 'connect' : 'other';
}
