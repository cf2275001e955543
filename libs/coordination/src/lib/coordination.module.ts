import { type DynamicModule, Module } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';

import { instanceName, topologyHash, type HomeserverConfig } from '@chat/config';
import {
  HandlersModule,
  REMOTE_EVENT_PERSISTERS,
  REMOTE_STREAM_WRITERS,
  TOPOLOGY_GUARD,
  TypingService,
} from '@chat/handlers';
import { BUS_TRANSPORT_STRATEGY } from '@chat/platform';
import {
  REPLICATION_TRANSPORT,
  RedisReplicationTransport,
  ReplicationClient,
  ReplicationDataHandler,
  ReplicationHttpModule,
  StreamRegistry,
  type ReplicationTransport,
} from '@chat/replication';
import { STORAGE, type Storage } from '@chat/storage';

import { HttpEventPersisters, SendEventsEndpoint } from './event-persisters';
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
 * are published) and HTTP replication (writes that belong to another process go there).
 */
@Module({})
export class CoordinationModule {
  static forRoot(config: HomeserverConfig): DynamicModule {
    if (!config.redis.enabled) return { module: CoordinationModule };
    const bus = busModule(config);
    return {
      module: CoordinationModule,
      // Global: the handlers find the remote persisters and stream writers here.
      global: true,
      imports: [bus, HandlersModule, ReplicationHttpModule.forRoot(config, { imports: [bus] })],
      providers: [
        SendEventsEndpoint,
        StreamWriteEndpoints,
        UserSyncRelay,
        { provide: REMOTE_EVENT_PERSISTERS, useClass: HttpEventPersisters },
        { provide: REMOTE_STREAM_WRITERS, useClass: HttpStreamWriters },
      ],
      exports: [bus, REMOTE_EVENT_PERSISTERS, REMOTE_STREAM_WRITERS],
    };
  }
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
