import { type DynamicModule, Module } from '@nestjs/common';

import { ClientApiModule } from '@chat/client-api';
import type { HomeserverConfig } from '@chat/config';
import { CoordinationModule } from '@chat/coordination';
import { PlatformModule } from '@chat/platform';
import { StorageModule } from '@chat/storage';

/**
 * A generic worker: the client endpoints the endpoint table gives to generic workers, on the
 * shared database, kept current by the replication bus. No admin API: the table's worker rows
 * there (`admin/v1/rooms/…`, `admin/v2/users/…`) have no handlers yet, and shared-secret
 * registration stays on main.
 */
@Module({})
export class AppModule {
  static register(config: HomeserverConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config),
        StorageModule.forHomeserver(config),
        ClientApiModule,
        CoordinationModule.forRoot(config),
      ],
    };
  }
}
