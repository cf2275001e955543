import { Controller, Get, Query } from '@nestjs/common';

import { LegacySyncService, SyncService } from '@chat/handlers';
import { CurrentRequester, type Requester } from '@chat/platform';
import { clientPaths } from '@chat/routing';

import { EventsQuery, InitialSyncQuery, SyncQueryDto } from './sync-dtos';

/** `/sync` and the legacy `/events` and `/initialSync` it replaced. */
@Controller()
export class SyncController {
  constructor(
    private readonly sync: SyncService,
    private readonly legacy: LegacySyncService,
  ) {}

  @Get(clientPaths('current', 'sync'))
  syncRequest(@CurrentRequester() requester: Requester, @Query() query: SyncQueryDto) {
    return this.sync.sync(requester, query);
  }

  @Get(clientPaths('legacy', 'events'))
  events(@CurrentRequester() requester: Requester, @Query() query: EventsQuery) {
    return this.legacy.events(requester, query);
  }

  @Get(clientPaths('legacy', 'initialSync'))
  initialSync(@CurrentRequester() requester: Requester, @Query() query: InitialSyncQuery) {
    return this.legacy.initialSync(requester, query);
  }
}
