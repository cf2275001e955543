import { STREAM_NAMES, type StreamName } from '@chat/streams';

export interface StreamTable {
  table: string;
  idColumn: string;
  instanceColumn: string;
}

/** Where a stream's ids come from on PostgreSQL and which tables hold its rows. */
export interface StreamStorage {
  stream: StreamName;
  sequence: string;
  tables: StreamTable[];
}

/** A stream written to one table, keyed by `idColumn` with the writer in `instance_name`. */
function oneTable(
  stream: StreamName,
  sequence: string,
  table: string,
  idColumn = 'stream_id',
): StreamStorage {
  return { stream, sequence, tables: [{ table, idColumn, instanceColumn: 'instance_name' }] };
}

/** Streams whose tables exist so far; each new stream table adds its entry here. */
export const STREAM_STORAGE: readonly StreamStorage[] = [
  oneTable(STREAM_NAMES.events, 'events_stream_seq', 'events', 'stream_ordering'),
  oneTable(STREAM_NAMES.receipts, 'receipts_sequence', 'receipts'),
  oneTable(STREAM_NAMES.accountData, 'account_data_sequence', 'account_data'),
  oneTable(STREAM_NAMES.deviceLists, 'device_lists_sequence', 'device_lists_stream'),
  oneTable(STREAM_NAMES.presence, 'presence_stream_sequence', 'presence'),
  oneTable(STREAM_NAMES.toDevice, 'device_inbox_sequence', 'device_inbox'),
  oneTable(STREAM_NAMES.pushRules, 'push_rules_stream_sequence', 'push_rules'),
  oneTable(
    STREAM_NAMES.caches,
    'cache_invalidation_stream_seq',
    'cache_invalidation_stream_by_instance',
  ),
];
