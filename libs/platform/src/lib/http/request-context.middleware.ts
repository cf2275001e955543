import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { httpMetrics } from '../observability/http-metrics';
import { requestContext } from './request-context';

const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'X-Requested-With, Content-Type, Authorization',
};

/** The URL as logged: the access token must never reach the logs. */
function redactedUrl(url: string): string {
  return url.replace(/([?&]access_token=)[^&]*/g, '$1<redacted>');
}

/**
 * First middleware of every request: request id, client IP, CORS headers, and on completion one
 * access-log line plus the HTTP metrics. `OPTIONS` is answered here, before auth and routing.
 */
export function requestContextMiddleware(logger: Logger): RequestHandler {
  const { requests, duration } = httpMetrics();
  return (req: Request, res: Response, next: NextFunction) => {
    const context = requestContext(req);
    res.setHeader('X-Request-Id', context.requestId);
    for (const [name, value] of Object.entries(CORS_HEADERS)) {
      res.setHeader(name, value);
    }

    let logged = false;
    const done = () => {
      if (logged) {
        return;
      }
      logged = true;
      const seconds = Number(process.hrtime.bigint() - context.startedAt) / 1e9;
      // The route pattern, not the raw path, keeps the metric's label set bounded.
      const endpoint = typeof req.route?.path === 'string' ? req.route.path : 'unmatched';
      const status = res.writableFinished ? res.statusCode : 499;
      requests.inc({ method: req.method, endpoint, status: String(status) });
      duration.observe({ method: req.method, endpoint }, seconds);
      logger.info(
        {
          requestId: context.requestId,
          method: req.method,
          path: redactedUrl(req.originalUrl),
          status,
          ms: Math.round(seconds * 1e4) / 10,
          ip: context.clientIp,
          userId: context.requester?.userId,
        },
        'request',
      );
    };
    res.on('finish', done);
    res.on('close', done);

    if (req.method === 'OPTIONS') {
      res.status(200).json({});
      return;
    }
    next();
  };
}
