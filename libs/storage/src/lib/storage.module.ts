import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { instanceName, type DatabaseConfig, type HomeserverConfig } from '@chat/config';
import { openDatabase, type OpenDatabaseOptions, type Storage } from './open-database';
import { AccountStore } from './ports/account.store';
import { AuthSessionStore } from './ports/auth-session.store';
import { DeviceStore } from './ports/device.store';
import { Database } from './ports/txn';
import { EventStore } from './ports/event.store';
import { RoomAliasStore } from './ports/room-alias.store';
import { ReceiptStore } from './ports/receipt.store';
import { AccountDataStore } from './ports/account-data.store';
import { FilterStore } from './ports/filter.store';
import { PresenceStore } from './ports/presence.store';
import { ToDeviceStore } from './ports/to-device.store';
import { PushRuleStore } from './ports/push-rule.store';
import { PushActionStore } from './ports/push-action.store';
import { ReplicationRowsStore } from './ports/replication-rows.store';
import { CacheInvalidations } from './ports/cache-invalidations';

/** DI token for the whole opened `Storage` (id generators, instance ids, close). */
export const STORAGE = Symbol('STORAGE');

@Injectable()
class StorageShutdown implements OnApplicationShutdown {
  constructor(@Inject(STORAGE) private readonly storage: Storage) {}

  // After every module's onModuleDestroy, so their last writes still reach the database.
  async onApplicationShutdown(): Promise<void> {
    await this.storage.close();
  }
}

@Global()
@Module({})
export class StorageModule {
  /** Opens the database at startup and provides the ports (abstract classes) as tokens. */
  /** The storage of a homeserver process, as its config describes it. */
  static forHomeserver(config: HomeserverConfig): DynamicModule {
    return StorageModule.forRoot(config.database, {
      instanceName: instanceName(config),
      streamWriters: config.streamWriters,
      sharedWithOtherProcesses: config.redis.enabled,
    });
  }

  static forRoot(config: DatabaseConfig, opts: OpenDatabaseOptions): DynamicModule {
    const fromStorage = (pick: (storage: Storage) => unknown) => ({
      useFactory: pick,
      inject: [STORAGE],
    });
    return {
      module: StorageModule,
      providers: [
        { provide: STORAGE, useFactory: () => openDatabase(config, opts) },
        { provide: Database, ...fromStorage((s) => s.database) },
        { provide: AccountStore, ...fromStorage((s) => s.accounts) },
        { provide: DeviceStore, ...fromStorage((s) => s.devices) },
        { provide: AuthSessionStore, ...fromStorage((s) => s.authSessions) },
        { provide: EventStore, ...fromStorage((s) => s.events) },
        { provide: RoomAliasStore, ...fromStorage((s) => s.roomAliases) },
        { provide: ReceiptStore, ...fromStorage((s) => s.receipts) },
        { provide: AccountDataStore, ...fromStorage((s) => s.accountData) },
        { provide: FilterStore, ...fromStorage((s) => s.filters) },
        { provide: PresenceStore, ...fromStorage((s) => s.presence) },
        { provide: ToDeviceStore, ...fromStorage((s) => s.toDevice) },
        { provide: PushRuleStore, ...fromStorage((s) => s.pushRules) },
        { provide: PushActionStore, ...fromStorage((s) => s.pushActions) },
        { provide: ReplicationRowsStore, ...fromStorage((s) => s.replicationRows) },
        { provide: CacheInvalidations, ...fromStorage((s) => s.cacheInvalidations) },
        StorageShutdown,
      ],
      exports: [
        STORAGE,
        Database,
        AccountStore,
        DeviceStore,
        AuthSessionStore,
        EventStore,
        RoomAliasStore,
        ReceiptStore,
        AccountDataStore,
        FilterStore,
        PresenceStore,
        ToDeviceStore,
        PushRuleStore,
        PushActionStore,
        ReplicationRowsStore,
        CacheInvalidations,
      ],
    };
  }
}
