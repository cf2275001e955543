import type { Provider } from '@nestjs/common';

import { ensureSigningKey, instanceName, type HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG } from '@chat/platform';
import { EventStore } from '@chat/storage';
import { RoomEventWriter } from '@chat/stream-writers';

import { PushActionsCalculator } from '../sync/push-actions.calculator';

/**
 * The event persister of this process, signing with the server's key (created if missing) and
 * storing local members' push actions with each batch.
 */
export const roomEventWriterProvider: Provider = {
  provide: RoomEventWriter,
  inject: [HOMESERVER_CONFIG, EventStore, PushActionsCalculator],
  useFactory: (config: HomeserverConfig, store: EventStore, pushActions: PushActionsCalculator) =>
    new RoomEventWriter({
      store,
      serverName: config.serverName,
      signingKey: ensureSigningKey(config.signingKeyPath),
      instanceName: instanceName(config),
      pushActions: (_roomId, items) => pushActions.calculate(items),
    }),
};
