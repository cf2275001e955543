import { type DynamicModule, Module } from '@nestjs/common';

import { AdminApiModule } from '@chat/admin-api';
import { ClientApiModule } from '@chat/client-api';
import type { HomeserverConfig } from '@chat/config';
import { CoordinationModule } from '@chat/coordination';
import { PlatformModule } from '@chat/platform';
import { StorageModule } from '@chat/storage';

/** The main process: every role in one process (monolith), or whatever workers do not take. */
@Module({})
export class AppModule {
  static register(config: HomeserverConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config),
        StorageModule.forHomeserver(config),
        ClientApiModule,
        AdminApiModule,
        CoordinationModule.forRoot(config),
      ],
    };
  }
}
