import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ResourceName } from '@chat/config';
import type { Requester } from '../auth/requester';

/** The listener a request arrived on (set by `bootstrapHttp`'s per-listener servers). */
export interface ListenerContext {
  resources: ReadonlySet<ResourceName>;
  xForwarded: boolean;
}

/** Per-request facts the platform works out once and that guards, decorators and logs share. */
export interface RequestContext {
  requestId: string;
  clientIp: string;
  startedAt: bigint;
  /** Absent when the request did not come through `bootstrapHttp` (e.g. a bare `app.init()`). */
  listener?: ListenerContext;
  requester?: Requester;
}

// WeakMaps rather than properties on `req`, so nothing leaks into Express's typings.
const contexts = new WeakMap<IncomingMessage, RequestContext>();
const listeners = new WeakMap<IncomingMessage, ListenerContext>();

/** A proxy's request id is kept only when the proxy is trusted and the id looks harmless. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function createContext(req: IncomingMessage): RequestContext {
  const listener = listeners.get(req);
  const trustProxy = listener?.xForwarded ?? false;
  const incomingId = trustProxy ? firstHeader(req.headers['x-request-id']) : undefined;
  // The left-most forwarded address is the client as the first proxy saw it (as in Synapse).
  const forwardedIp = trustProxy
    ? firstHeader(req.headers['x-forwarded-for'])?.split(',')[0]?.trim()
    : undefined;
  return {
    requestId:
      incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomBytes(8).toString('hex'),
    clientIp: forwardedIp || req.socket.remoteAddress || '',
    startedAt: process.hrtime.bigint(),
    listener,
  };
}

/**
 * The request's context, created on first use: by the platform's first middleware when the app
 * runs under `bootstrapHttp`, else (a bare `app.init()` in tests) by whoever asks first.
 */
export function requestContext(req: IncomingMessage): RequestContext {
  let context = contexts.get(req);
  if (!context) {
    context = createContext(req);
    contexts.set(req, context);
  }
  return context;
}

export function tagListener(req: IncomingMessage, listener: ListenerContext): void {
  listeners.set(req, listener);
}
