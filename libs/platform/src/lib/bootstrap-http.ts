import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomTransportStrategy } from '@nestjs/microservices';

import { canonicalApiPath } from '@chat/routing';
import type { HomeserverConfig, ListenerConfig, ResourceName } from '@chat/config';
import express from 'express';
import type { Logger } from 'pino';
import { bodyMiddleware } from './http/body.middleware';
import { MatrixExpressAdapter } from './http/matrix-express.adapter';
import { tagListener, type ListenerContext } from './http/request-context';
import { requestContextMiddleware } from './http/request-context.middleware';
import { routeOwnershipMiddleware, type RouteOwnership } from './http/route-ownership';
import { loggerFor, PinoNestLogger, useLoggerFor } from './observability/logger';
import { BUS_TRANSPORT_STRATEGY } from './tokens';

export interface RunningHttp {
  app: INestApplication;
  addresses: Array<{ port: number; host: string; resources: ResourceName[] }>;
  close(): Promise<void>;
}

/** How long open requests (long polls) get to finish on close before their sockets are cut. */
const CLOSE_GRACE_MS = 5_000;

function listen(server: Server, port: number, host: string, ipv6Only: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, ipv6Only }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function optionalProvider<T>(app: INestApplication, token: symbol): T | undefined {
  try {
    return app.get<T>(token, { strict: false });
  } catch {
    return undefined;
  }
}

function isNoIpv6(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL';
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    cut.unref();
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}

export interface BootstrapHttpOptions {
  listeners?: ListenerConfig[];
  logger?: Logger;
  /** The public routes this app answers; others get 404 M_UNRECOGNIZED. Absent: all of them. */
  ownsRoute?: RouteOwnership;
}

/**
 * Starts an app's HTTP side: one Express instance and Nest app, served by one HTTP server per
 * listener and bind address. Listeners come from `opts.listeners`, else `worker_listeners` in a
 * worker, else `listeners`. Each server tags its requests with its listener's resources.
 */
export async function bootstrapHttp(
  rootModule: Type<unknown> | DynamicModule,
  config: HomeserverConfig,
  opts: BootstrapHttpOptions = {},
): Promise<RunningHttp> {
  if (opts.logger) {
    useLoggerFor(config, opts.logger);
  }
  const logger = loggerFor(config);
  const listeners =
    opts.listeners ?? (config.workerApp ? config.workerListeners : config.listeners);

  const server = express();
  server.disable('x-powered-by');
  // Matrix clients never revalidate API responses; hashing every body for an ETag is wasted work.
  server.disable('etag');
  // Before anything reads the path: every public spelling becomes the one routes are registered
  // under (`originalUrl` keeps what the client sent, for logs and request signatures).
  server.use((req, _res, next) => {
    req.url = canonicalApiPath(req.url);
    next();
  });
  server.use(requestContextMiddleware(logger));
  // After the rewrite, so one decision covers every spelling; after the request context, so a
  // refused request is logged, counted and carries CORS headers like any other 404.
  if (opts.ownsRoute) server.use(routeOwnershipMiddleware(opts.ownsRoute));
  server.use(bodyMiddleware(config.maxRequestBodySize));
  const app = await NestFactory.create(rootModule, new MatrixExpressAdapter(server), {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  const bus = optionalProvider<CustomTransportStrategy>(app, BUS_TRANSPORT_STRATEGY);
  if (bus) app.connectMicroservice({ strategy: bus }, { inheritAppConfig: true });
  await app.init();
  // The bus is up before the listeners: a request must not see positions older than the bus has.
  if (bus) await app.startAllMicroservices();

  const servers: Server[] = [];
  const addresses: RunningHttp['addresses'] = [];
  const close = async () => {
    await Promise.all(servers.map(closeServer));
    await app.close();
  };
  try {
    for (const listener of listeners) {
      const resources = listener.resources.flatMap((r) => r.names);
      const context: ListenerContext = {
        resources: new Set(resources),
        xForwarded: listener.xForwarded,
      };
      const dualStack = listener.bindAddresses.includes('0.0.0.0');
      for (const host of listener.bindAddresses) {
        const http = createServer((req, res) => {
          tagListener(req, context);
          server(req, res);
        });
        let port: number;
        try {
          // With both '::' and '0.0.0.0' listed, '::' must not also claim IPv4 (EADDRINUSE).
          port = await listen(http, listener.port, host, host === '::' && dualStack);
        } catch (error) {
          if (!(host === '::' && dualStack && isNoIpv6(error))) {
            throw error;
          }
          // Hosts without IPv6 still serve the default `['::', '0.0.0.0']`, as in Synapse.
          logger.warn({ host, err: error }, 'IPv6 unavailable; skipping this bind address');
          continue;
        }
        servers.push(http);
        addresses.push({ port, host, resources });
        logger.info({ host, port, resources }, 'Listening');
      }
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { app, addresses, close };
}
