import type { Provider } from '@nestjs/common';

import { ensureSigningKey, instanceName, type HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG } from '@chat/platform';
import { EventStore } from '@chat/storage';
import { RoomEventWriter } from '@chat/stream-writers';

/** The event persister of this process, signing with the server's key (created if missing). */
export const roomEventWriterProvider: Provider = {
  provide: RoomEventWriter,
  inject: [HOMESERVER_CONFIG, EventStore],
  useFactory: (config: HomeserverConfig, store: EventStore) =>
    new RoomEventWriter({
      store,
      serverName: config.serverName,
      signingKey: ensureSigningKey(config.signingKeyPath),
      instanceName: instanceName(config),
    }),
};
