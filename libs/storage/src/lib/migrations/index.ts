import type { EngineMigration } from './engine-migration';
import { StreamPositions1767225600000 } from './1767225600000-stream-positions.migration';
import { Accounts1767225600001 } from './1767225600001-accounts.migration';
import { RoomsEvents1767225600002 } from './1767225600002-rooms-events.migration';
import { UserFilters1767225600003 } from './1767225600003-user-filters.migration';
import { Presence1767225600004 } from './1767225600004-presence.migration';
import { DeviceInbox1767225600005 } from './1767225600005-device-inbox.migration';
import { PushRules1767225600006 } from './1767225600006-push-rules.migration';
import { EventPushActions1767225600007 } from './1767225600007-event-push-actions.migration';
import { SyncIndexes1767225600008 } from './1767225600008-sync-indexes.migration';
import { CacheInvalidationStream1767225600009 } from './1767225600009-cache-invalidation-stream.migration';
import { ToDeviceTxnIdsExpiry1767225600010 } from './1767225600010-to-device-txn-ids-expiry.migration';

export const MIGRATIONS_TABLE = 'schema_migrations';

/** Every migration this code knows, oldest first. Append only; never edit a released one. */
export const MIGRATIONS: Array<new () => EngineMigration> = [
  StreamPositions1767225600000,
  Accounts1767225600001,
  RoomsEvents1767225600002,
  UserFilters1767225600003,
  Presence1767225600004,
  DeviceInbox1767225600005,
  PushRules1767225600006,
  EventPushActions1767225600007,
  SyncIndexes1767225600008,
  CacheInvalidationStream1767225600009,
  ToDeviceTxnIdsExpiry1767225600010,
];
