import { type DynamicModule, Module } from '@nestjs/common';

import { instanceName, type HomeserverConfig } from '@chat/config';
import { HandlersModule } from '@chat/handlers';
import { BUS_TRANSPORT_STRATEGY } from '@chat/platform';
import {
  REPLICATION_TRANSPORT,
  RedisReplicationTransport,
  type ReplicationTransport,
} from '@chat/replication';
import { STORAGE, type Storage } from '@chat/storage';

import { ReplicatedRowsApplier } from './replicated-rows.applier';
import { ReplicationProcess } from './replication-process';

/**
 * How this process coordinates with the others. A monolith (no `redis.enabled`) has nothing to
 * coordinate with: the module is empty and every write is local. With Redis, the process joins the
 * replication bus: other processes' rows move its stream positions, caches and notifier, and its
 * own writes are published to them.
 */
@Module({})
export class CoordinationModule {
  static forRoot(config: HomeserverConfig): DynamicModule {
    if (!config.redis.enabled) return { module: CoordinationModule };
    return {
      module: CoordinationModule,
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
          provide: BUS_TRANSPORT_STRATEGY,
          useFactory: (process: ReplicationProcess) => process.server,
          inject: [ReplicationProcess],
        },
      ],
      exports: [ReplicationProcess, BUS_TRANSPORT_STRATEGY],
    };
  }
}
