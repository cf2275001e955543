import type { DatabaseConfig } from '@chat/config';
import { STREAM_NAMES, type MultiWriterIdGenerator, type StreamName } from '@chat/streams';
import { createDataSource } from './database/data-source';
import { trackPgPool } from './database/pool-metrics';
import { SqlDatabase } from './database/sql-database';
import type { Txn } from './ports/txn';
import { runMigrations } from './migrations/run-migrations';
import type { AccountStore } from './ports/account.store';
import type { AuthSessionStore } from './ports/auth-session.store';
import type { DeviceStore } from './ports/device.store';
import type { EventStore } from './ports/event.store';
import type { RoomAliasStore } from './ports/room-alias.store';
import type { ReceiptStore } from './ports/receipt.store';
import type { AccountDataStore } from './ports/account-data.store';
import type { FilterStore } from './ports/filter.store';
import { SqlFilterStore } from './stores/sql-filter.store';
import type { PresenceStore } from './ports/presence.store';
import { SqlPresenceStore } from './stores/sql-presence.store';
import type { ToDeviceStore } from './ports/to-device.store';
import { SqlToDeviceStore } from './stores/sql-to-device.store';
import type { PushRuleStore } from './ports/push-rule.store';
import { SqlPushRuleStore } from './stores/sql-push-rule.store';
import type { PushActionStore } from './ports/push-action.store';
import type { ReplicationRowsStore } from './ports/replication-rows.store';
import { SqlPushActionStore } from './stores/sql-push-action.store';
import { SqlEventStore } from './stores/sql-event.store';
import { SqlRoomAliasStore } from './stores/sql-room-alias.store';
import { SqlReceiptStore } from './stores/sql-receipt.store';
import { SqlAccountDataStore } from './stores/sql-account-data.store';
import { SqlAccountStore } from './stores/sql-account.store';
import { SqlAuthSessionStore } from './stores/sql-auth-session.store';
import { SqlDeviceStore } from './stores/sql-device.store';
import type { CacheInvalidations } from './ports/cache-invalidations';
import { SqlCacheInvalidations } from './stores/sql-cache-invalidations';
import { SqlReplicationRowsStore } from './stores/sql-replication-rows.store';
import { InstanceIdStore } from './stream-ids/instance-id.store';
import { StreamIdGenerators, type StreamWriters } from './stream-ids/stream-id-generators';

export interface OpenDatabaseOptions {
  /** This process's instance name (`main` in monolith mode). */
  instanceName: string;
  /** Writers per stream (`stream_writers`); a stream not listed is written by this instance. */
  streamWriters?: StreamWriters;
  /** Worker mode: other processes share this database, and hear of its cache invalidations. */
  sharedWithOtherProcesses?: boolean;
}

export interface Storage {
  database: SqlDatabase;
  accounts: AccountStore;
  devices: DeviceStore;
  authSessions: AuthSessionStore;
  events: EventStore;
  roomAliases: RoomAliasStore;
  receipts: ReceiptStore;
  accountData: AccountDataStore;
  filters: FilterStore;
  presence: PresenceStore;
  toDevice: ToDeviceStore;
  pushRules: PushRuleStore;
  pushActions: PushActionStore;
  replicationRows: ReplicationRowsStore;
  cacheInvalidations: CacheInvalidations;
  instanceIds: InstanceIdStore;
  idGenerators: StreamIdGenerators;
  close(): Promise<void>;
}

/**
 * Opens the database, applies migrations (refusing a schema newer than this code), checks stream
 * sequences and loads the id generators. For apps (through StorageModule), tools and tests.
 */
export async function openDatabase(
  config: DatabaseConfig,
  opts: OpenDatabaseOptions,
): Promise<Storage> {
  const dataSource = createDataSource(config);
  await dataSource.initialize();
  const database = new SqlDatabase(dataSource);
  let untrack: () => void = () => undefined;
  try {
    await runMigrations(dataSource);
    if (database.engine === 'postgres') {
      const driver = dataSource.driver as unknown as { master: Parameters<typeof trackPgPool>[0] };
      untrack = trackPgPool(driver.master);
    }
    const idGenerators = await StreamIdGenerators.create(
      database,
      opts.instanceName,
      opts.streamWriters,
    );
    // Stores that write a stream take the database, the stream's id generator and this instance.
    const streamStore = <T>(
      Store: new (db: SqlDatabase, ids: MultiWriterIdGenerator<Txn>, instanceName: string) => T,
      stream: StreamName,
    ): T => new Store(database, idGenerators.get(stream), opts.instanceName);
    const cacheInvalidations = new SqlCacheInvalidations(
      database,
      idGenerators.get(STREAM_NAMES.caches),
      opts.sharedWithOtherProcesses ?? false,
    );
    const toDevice = streamStore(SqlToDeviceStore, STREAM_NAMES.toDevice);
    return {
      database,
      accounts: new SqlAccountStore(database),
      devices: new SqlDeviceStore(
        database,
        idGenerators.get(STREAM_NAMES.deviceLists),
        cacheInvalidations,
        toDevice,
      ),
      authSessions: new SqlAuthSessionStore(database),
      events: streamStore(SqlEventStore, STREAM_NAMES.events),
      roomAliases: new SqlRoomAliasStore(database),
      receipts: streamStore(SqlReceiptStore, STREAM_NAMES.receipts),
      accountData: streamStore(SqlAccountDataStore, STREAM_NAMES.accountData),
      filters: new SqlFilterStore(database),
      pushRules: streamStore(SqlPushRuleStore, STREAM_NAMES.pushRules),
      pushActions: new SqlPushActionStore(database),
      toDevice,
      presence: streamStore(SqlPresenceStore, STREAM_NAMES.presence),
      replicationRows: new SqlReplicationRowsStore(database),
      cacheInvalidations,
      instanceIds: new InstanceIdStore(database),
      idGenerators,
      close: async () => {
        untrack();
        await database.close();
      },
    };
  } catch (err) {
    untrack();
    await database.close();
    throw err;
  }
}
