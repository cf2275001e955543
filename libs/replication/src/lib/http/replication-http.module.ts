import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { HomeserverConfig } from '@chat/config';
import { ReplicationDataHandler } from '../core/replication-data.handler';
import { StreamRegistry } from '../core/stream-registry';
import { ReplicationEndpointExplorer } from './replication-endpoint.decorator';
import { ReplicationEndpointRegistry } from './replication-endpoint.registry';
import {
  REPLICATION_HTTP_SETTINGS,
  replicationHttpSettings,
  type ReplicationHttpOptions,
} from './replication-http.settings';
import { ReplicationSecretGuard } from './replication-secret.guard';
import { ReplicationClient } from './replication.client';
import { ReplicationController } from './replication.controller';
import { LocalStreamPositions, StreamPositionWaiter } from './stream-positions';
import { StreamUpdatesEndpoint } from './stream-updates.endpoint';
import { TxnResponseCache } from './txn-response.cache';

/**
 * HTTP replication (§6): the endpoint registry and the one controller serving it, the client,
 * the txn response cache and `get_repl_stream_updates`. Needs the bus core's `StreamRegistry`
 * and `ReplicationDataHandler`, from `options.imports` or a global module.
 */
@Module({})
export class ReplicationHttpModule {
  static forRoot(config: HomeserverConfig, options: ReplicationHttpOptions = {}): DynamicModule {
    const settings = replicationHttpSettings(config, options);
    return {
      module: ReplicationHttpModule,
      // Global, as the platform and storage are: any feature module may call or serve endpoints.
      global: true,
      imports: [DiscoveryModule, ...(options.imports ?? [])],
      controllers: [ReplicationController],
      providers: [
        { provide: REPLICATION_HTTP_SETTINGS, useValue: settings },
        {
          provide: ReplicationEndpointRegistry,
          useFactory: () => new ReplicationEndpointRegistry(settings),
        },
        {
          provide: TxnResponseCache,
          useFactory: () => new TxnResponseCache(settings.responseCacheMs),
        },
        {
          provide: LocalStreamPositions,
          useFactory: (registry: StreamRegistry) =>
            new LocalStreamPositions(registry, settings.instanceName),
          inject: [StreamRegistry],
        },
        {
          provide: StreamPositionWaiter,
          useFactory: (registry: StreamRegistry, data: ReplicationDataHandler) =>
            new StreamPositionWaiter(
              registry,
              data,
              settings.instanceName,
              settings.positionWaitMs,
            ),
          inject: [StreamRegistry, ReplicationDataHandler],
        },
        {
          provide: ReplicationClient,
          useFactory: (positions: LocalStreamPositions, waiter: StreamPositionWaiter) =>
            new ReplicationClient(settings, positions, waiter),
          inject: [LocalStreamPositions, StreamPositionWaiter],
        },
        ReplicationSecretGuard,
        ReplicationEndpointExplorer,
        StreamUpdatesEndpoint,
      ],
      exports: [ReplicationClient, ReplicationEndpointRegistry, LocalStreamPositions],
    };
  }
}
