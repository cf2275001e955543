import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';

import { instanceName, topologyHash, type HomeserverConfig } from '@chat/config';
import {
  CLIENT_IP_SINK,
  EXTERNAL_CACHE,
  HandlersModule,
  REMOTE_EVENT_PERSISTERS,
  REMOTE_STREAM_WRITERS,
  TOPOLOGY_GUARD,
  TypingService,
  runsBackgroundTasks,
} from '@chat/handlers';
import { BUS_TRANSPORT_STRATEGY } from '@chat/platform';
import {
  REPLICATION_TRANSPORT,
  RedisReplicationTransport,
  ReplicationClient,
  ReplicationDataHandler,
  ReplicationHttpModule,
  StreamRegistry,
  USER_IP_CHANNEL,
  type ReplicationTransport,
} from '@chat/replication';
import { STORAGE, type Storage } from '@chat/storage';

import { BusClientIpSink, ClientIpRelay } from './client-ips.relay';
import { HttpEventPersisters, SendEventsEndpoint } from './event-persisters';
import { InstanceLock } from './instance-lock';
import { RedisExternalCache } from './redis-external-cache';
import { ReplicatedRowsApplier } from './replicated-rows.applier';
import { ReplicationProcess } from './replication-process';
import { HttpStreamWriters, StreamWriteEndpoints } from './stream-writes';
import { TopologyWatch } from './topology-watch';
import { TypingReplicationStream } from './typing.stream';
import { UserSyncRelay } from './user-sync.relay';

/**
 * How this process coordinates with the others. A monolith (no `redis.enabled`) has nothing to
 * coordinate with: the module is empty and every write is local. With Redis, the process joins the
 * replication bus (other processes' rows move its positions, caches and notifier; its own writes
 * are published), HTTP replication (writes that belong to another process go there) and the
 * cache the processes share in Redis.
 */
@Module({})
export class CoordinationModule {
  static forRoot(config: HomeserverConfig): DynamicModule {
    if (!config.redis.enabled) return { module: CoordinationModule };
    const bus = busModule(config);
    return {
      module: CoordinationModule,
      // Global: the handlers find the remote persisters, stream writers and client-IP sink here.
      global: true,
      imports: [bus, HandlersModule, ReplicationHttpModule.forRoot(config, { imports: [bus] })],
      providers: [
        ...instanceLock(config),
        SendEventsEndpoint,
        StreamWriteEndpoints,
        UserSyncRelay,
        { provide: REMOTE_EVENT_PERSISTERS, useClass: HttpEventPersisters },
        { provide: REMOTE_STREAM_WRITERS, useClass: HttpStreamWriters },
        ...clientIps(config),
        { provide: EXTERNAL_CACHE, useFactory: () => RedisExternalCache.connect(config.redis) },
      ],
      exports: [
        bus,
        REMOTE_EVENT_PERSISTERS,
        REMOTE_STREAM_WRITERS,
        EXTERNAL_CACHE,
        ...(runsBackgroundTasks(config) ? [] : [CLIENT_IP_SINK]),
      ],
    };
  }
}

/** Worker mode on PostgreSQL: one process per instance name (SQLite serves one process only). */
function instanceLock(config: HomeserverConfig): Provider[] {
  if (config.database.name !== 'postgres') return [];
  return [
    {
      provide: InstanceLock,
      useFactory: (storage: Storage) =>
        new InstanceLock(config.database, instanceName(config), storage.instanceIds),
      inject: [STORAGE],
    },
  ];
}

/**
 * Client IPs: the background-tasks instance writes them, from its own requests and every other
 * process's `USER_IP`; the others send theirs over the bus.
 */
function clientIps(config: HomeserverConfig): Provider[] {
  if (runsBackgroundTasks(config)) return [ClientIpRelay];
  return [
    {
      provide: CLIENT_IP_SINK,
      useFactory: (process: ReplicationProcess) => new BusClientIpSink(process.bus),
      inject: [ReplicationProcess],
    },
  ];
}

@Module({})
class ReplicationBusModule {}

/** The bus side: the transport, this process's streams, the receiving and publishing sides. */
function busModule(config: HomeserverConfig): DynamicModule {
  return {
    module: ReplicationBusModule,
    imports: [HandlersModule],
    providers: [
      ReplicatedRowsApplier,
      {
        provide: REPLICATION_TRANSPORT,
        useFactory: (): ReplicationTransport =>
          new RedisReplicationTransport({
            redis: config.redis,
            serverName: config.serverName,
            instanceName: instanceName(config),
            // Declared before the start: only the process that writes client IPs hears them.
            extraChannels: runsBackgroundTasks(config) ? [USER_IP_CHANNEL] : [],
          }),
      },
      {
        provide: ReplicationProcess,
        useFactory: (
          transport: ReplicationTransport,
          storage: Storage,
          applier: ReplicatedRowsApplier,
          typing: TypingService,
          modules: ModuleRef,
        ) =>
          new ReplicationProcess(
            transport,
            storage,
            config.streamWriters,
            applier,
            new TopologyWatch({
              instanceName: instanceName(config),
              topologyHash: topologyHash(config),
              app: config.workerApp ?? 'main',
            }),
            [
              new TypingReplicationStream(
                typing,
                config.streamWriters.typing,
                instanceName(config),
                // The client is built on this process's streams: it exists only after them.
                () => modules.get(ReplicationClient, { strict: false }),
              ),
            ],
          ),
        inject: [REPLICATION_TRANSPORT, STORAGE, ReplicatedRowsApplier, TypingService, ModuleRef],
      },
      {
        provide: StreamRegistry,
        useFactory: (process: ReplicationProcess) => process.registry,
        inject: [ReplicationProcess],
      },
      {
        provide: ReplicationDataHandler,
        useFactory: (process: ReplicationProcess) => process.data,
        inject: [ReplicationProcess],
      },
      {
        provide: TOPOLOGY_GUARD,
        useFactory: (process: ReplicationProcess) => process.topology,
        inject: [ReplicationProcess],
      },
      {
        provide: BUS_TRANSPORT_STRATEGY,
        useFactory: (process: ReplicationProcess) => process.server,
        inject: [ReplicationProcess],
      },
    ],
    exports: [
      ReplicationProcess,
      StreamRegistry,
      ReplicationDataHandler,
      TOPOLOGY_GUARD,
      BUS_TRANSPORT_STRATEGY,
    ],
  };
}
