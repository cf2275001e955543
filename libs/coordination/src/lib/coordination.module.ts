import { type DynamicModule, Module } from '@nestjs/common';

import { instanceName, type HomeserverConfig } from '@chat/config';
import { HandlersModule, REMOTE_EVENT_PERSISTERS } from '@chat/handlers';
import { BUS_TRANSPORT_STRATEGY } from '@chat/platform';
import {
  REPLICATION_TRANSPORT,
  RedisReplicationTransport,
  ReplicationDataHandler,
  ReplicationHttpModule,
  StreamRegistry,
  type ReplicationTransport,
} from '@chat/replication';
import { STORAGE, type Storage } from '@chat/storage';

import { HttpEventPersisters, SendEventsEndpoint } from './event-persisters';
import { ReplicatedRowsApplier } from './replicated-rows.applier';
import { ReplicationProcess } from './replication-process';

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
      // Global: the handlers' RoomEventSender finds the remote persisters here.
      global: true,
      imports: [bus, HandlersModule, ReplicationHttpModule.forRoot(config, { imports: [bus] })],
      providers: [
        SendEventsEndpoint,
        { provide: REMOTE_EVENT_PERSISTERS, useClass: HttpEventPersisters },
      ],
      exports: [bus, REMOTE_EVENT_PERSISTERS],
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
        ) => new ReplicationProcess(transport, storage, config.streamWriters, applier),
        inject: [REPLICATION_TRANSPORT, STORAGE, ReplicatedRowsApplier],
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
        provide: BUS_TRANSPORT_STRATEGY,
        useFactory: (process: ReplicationProcess) => process.server,
        inject: [ReplicationProcess],
      },
    ],
    exports: [ReplicationProcess, StreamRegistry, ReplicationDataHandler, BUS_TRANSPORT_STRATEGY],
  };
}
