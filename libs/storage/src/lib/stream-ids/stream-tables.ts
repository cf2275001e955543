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

/** Streams whose tables exist so far; each new stream table adds its entry here. */
export const STREAM_STORAGE: readonly StreamStorage[] = [
  {
    stream: STREAM_NAMES.pushRules,
    sequence: 'push_rules_stream_sequence',
    tables: [{ table: 'push_rules', idColumn: 'stream_id', instanceColumn: 'instance_name' }],
  },
  {
    stream: STREAM_NAMES.toDevice,
    sequence: 'device_inbox_sequence',
    tables: [{ table: 'device_inbox', idColumn: 'stream_id', instanceColumn: 'instance_name' }],
  },
  {
    stream: STREAM_NAMES.presence,
    sequence: 'presence_stream_sequence',
    tables: [{ table: 'presence', idColumn: 'stream_id', instanceColumn: 'instance_name' }],
  },
  {
    stream: STREAM_NAMES.events,
    sequence: 'events_stream_seq',
    tables: [{ table: 'events', idColumn: 'stream_ordering', instanceColumn: 'instance_name' }],
  },
  {
    stream: STREAM_NAMES.receipts,
    sequence: 'receipts_sequence',
    tables: [{ table: 'receipts', idColumn: 'stream_id', instanceColumn: 'instance_name' }],
  },
  {
    stream: STREAM_NAMES.accountData,
    sequence: 'account_data_sequence',
    tables: [{ table: 'account_data', idColumn: 'stream_id', instanceColumn: 'instance_name' }],
  },
  {
    stream: STREAM_NAMES.deviceLists,
    sequence: 'device_lists_sequence',
    tables: [
      { table: 'device_lists_stream', idColumn: 'stream_id', instanceColumn: 'instance_name' },
    ],
  },
];
