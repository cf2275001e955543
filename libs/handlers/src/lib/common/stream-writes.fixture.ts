import { STREAM_WRITER_NAMES, type HomeserverConfig } from '@chat/config';

import { StreamWrites } from './stream-writes';

/** A monolith's stream writes, for unit specs: main writes every stream, so all run here. */
export function monolithStreamWrites(): StreamWrites {
  const streamWriters = Object.fromEntries(STREAM_WRITER_NAMES.map((stream) => [stream, ['main']]));
  return new StreamWrites({ streamWriters } as unknown as HomeserverConfig, null);
}
