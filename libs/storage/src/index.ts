export * from './lib/ports';
export { openDatabase, type OpenDatabaseOptions, type Storage } from './lib/open-database';
export { StorageModule, STORAGE } from './lib/storage.module';
export { SqlDatabase, MAX_INTERACTION_ATTEMPTS } from './lib/database/sql-database';
export { SessionLock } from './lib/database/session-lock';
export { SchemaTooNewError } from './lib/migrations/run-migrations';
export { MIGRATIONS_TABLE } from './lib/migrations';
export { InstanceIdStore } from './lib/stream-ids/instance-id.store';
export { StreamIdGenerators, type StreamWriters } from './lib/stream-ids/stream-id-generators';
