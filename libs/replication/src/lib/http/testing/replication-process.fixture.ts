import { once } from 'node:events';
import { createServer, request, type OutgoingHttpHeaders } from 'node:http';
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import {
  parseConfig,
  type HomeserverConfig,
  type InstanceLocation,
  type ListenerConfig,
} from '@chat/config';
import { bootstrapHttp, PlatformModule } from '@chat/platform';
import type { Express } from 'express';
import { ReplicationDataHandler } from '../../core/replication-data.handler';
import type { ReplicationStream } from '../../core/replication-stream';
import { StreamRegistry } from '../../core/stream-registry';
import { ReplicationEndpointRegistry } from '../replication-endpoint.registry';
import { ReplicationHttpModule } from '../replication-http.module';
import type { ReplicationHttpOptions } from '../replication-http.settings';
import { ReplicationClient } from '../replication.client';

/** A stream as a receiver holds it: replication moves its view of a writer's position. */
export type ReceivingStream = ReplicationStream<unknown> & {
  advance(writer: string, token: number): void;
};

export interface ReplicationProcessOptions {
  name: string;
  /** The shared config's `instance_map`, one object for every process; filled as they start. */
  instanceMap: Record<string, InstanceLocation>;
  secret?: string;
  streams: ReceivingStream[];
  /** Providers with `@ServesReplicationEndpoint()` methods. */
  endpoints?: Provider[];
  http?: Omit<ReplicationHttpOptions, 'imports'>;
  /** Serve replication on this unix socket instead of a TCP listener. */
  unixSocket?: string;
}

/** Where a request goes: a TCP address or a unix socket. */
export type Address = { host: string; port: number } | { socketPath: string };

const streamWriters = { typing: ['worker'] };

function listener(names: ListenerConfig['resources'][number]['names']): ListenerConfig {
  return {
    port: 0,
    bindAddresses: ['127.0.0.1'],
    type: 'http',
    xForwarded: false,
    resources: [{ names }],
  };
}

function processConfig(options: ReplicationProcessOptions): HomeserverConfig {
  const { config } = parseConfig([
    {
      path: '/tmp/replication-http-test/homeserver.yaml',
      values: {
        server_name: 'test.local',
        database: { name: 'sqlite3', args: { database: ':memory:' } },
        log: { level: 'silent' },
      },
    },
  ]);
  return {
    ...config,
    workerName: options.name === 'main' ? undefined : options.name,
    workerReplicationSecret: options.secret,
    instanceMap: options.instanceMap,
    streamWriters: { ...config.streamWriters, ...streamWriters },
  };
}

@Module({})
class StreamCoreFixtureModule {}

@Module({})
class ReplicationProcessModule {}

/**
 * One process of a deployment, in this jest process: the platform's HTTP bootstrap with a public
 * and a replication listener (or a unix socket), `ReplicationHttpModule`, and the bus core's
 * registry and data handler over the given streams. Replication over the bus is simulated with
 * `deliver`, so tests decide when a position reaches a process.
 */
export async function startReplicationProcess(options: ReplicationProcessOptions) {
  const config = processConfig(options);
  const registry = new StreamRegistry(options.streams);
  const data = new ReplicationDataHandler(registry);
  data.addHook('advancePosition', ({ stream, writer, token }) =>
    options.streams.find((s) => s.name === stream)?.advance(writer, token),
  );
  const core: DynamicModule = {
    module: StreamCoreFixtureModule,
    providers: [
      { provide: StreamRegistry, useValue: registry },
      { provide: ReplicationDataHandler, useValue: data },
    ],
    exports: [StreamRegistry, ReplicationDataHandler],
  };
  const root: DynamicModule = {
    module: ReplicationProcessModule,
    imports: [
      PlatformModule.forRoot(config),
      ReplicationHttpModule.forRoot(config, { ...options.http, imports: [core] }),
    ],
    providers: options.endpoints ?? [],
  };
  const running = await bootstrapHttp(root, config, {
    listeners: options.unixSocket
      ? [listener(['client'])]
      : [listener(['client']), listener(['replication'])],
  });
  const [publicListener, replicationListener] = running.addresses;
  const at = ({ host, port }: { host: string; port: number }) => ({ host, port });
  let replication: Address;
  let closeSocket = async (): Promise<void> => undefined;
  if (options.unixSocket) {
    // The platform has no unix-socket listeners yet: serve the app's Express instance directly.
    const server = createServer(running.app.getHttpAdapter().getInstance() as Express);
    server.listen(options.unixSocket);
    await once(server, 'listening');
    replication = { socketPath: options.unixSocket };
    options.instanceMap[options.name] = { path: options.unixSocket };
    closeSocket = () => new Promise((resolve) => server.close(() => resolve()));
  } else {
    replication = at(replicationListener);
    options.instanceMap[options.name] = at(replicationListener);
  }
  return {
    name: options.name,
    app: running.app,
    data,
    registry: running.app.get(ReplicationEndpointRegistry),
    client: running.app.get(ReplicationClient),
    publicAddress: at(publicListener) as Address,
    replicationAddress: replication,
    /** The bus brought `writer`'s position on `stream` to this process. */
    deliver: (stream: string, writer: string, token: number) =>
      data.applyRows(stream, writer, token, []),
    close: async () => {
      await closeSocket();
      await running.close();
    },
  };
}

export type ReplicationProcess = Awaited<ReturnType<typeof startReplicationProcess>>;

export interface RawResponse {
  status: number;
  body: Record<string, unknown>;
}

/** A bare HTTP request, for what the client never sends: no or repeated headers, bad bodies. */
export function rawRequest(
  address: Address,
  method: string,
  path: string,
  { headers = {}, body }: { headers?: OutgoingHttpHeaders; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ ...address, method, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    // setHeader with an array sends the header once per value.
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) req.setHeader(name, value);
    }
    if (body !== undefined) req.setHeader('Content-Length', Buffer.byteLength(body));
    req.end(body);
  });
}
