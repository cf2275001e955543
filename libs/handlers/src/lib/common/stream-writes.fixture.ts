import type { HomeserverConfig, StreamWriterName } from '@chat/config';

import { StreamWrites } from './stream-writes';

const STREAMS: readonly StreamWriterName[] = [
  'events',
  'typing',
  'to_device',
  'account_data',
  'receipts',
  'presence',
  'push_rules',
  'device_lists',
];

/** A monolith's stream writes, for unit specs: main writes every stream, so all run here. */
export function monolithStreamWrites(): StreamWrites {
  const streamWriters = Object.fromEntries(STREAMS.map((stream) => [stream, ['main']]));
  return new StreamWrites({ streamWriters } as unknown as HomeserverConfig, null);
}
