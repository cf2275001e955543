import { Controller, Get, Query } from '@nestjs/common';

import { LegacySyncService, SyncService } from '@chat/handlers';
import { CurrentRequester, type Requester } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

import { EventsQuery, InitialSyncQuery, syncQuery } from './sync-dtos';

/** `/sync` and the legacy `/events` and `/initialSync` it replaced. */
@Controller()
export class SyncController {
  constructor(
    private readonly sync: SyncService,
    private readonly legacy: LegacySyncService,
  ) {}

  /**
   * The busiest endpoint: its query is read as a plain object (no DTO pass through
   * class-transformer and class-validator on every long-poll) and checked field by field.
   */
  @Get(clientRoutes('current', 'sync'))
  syncRequest(@CurrentRequester() requester: Requester, @Query() query: Record<string, unknown>) {
    return this.sync.sync(requester, syncQuery(query));
  }

  @Get(clientRoutes('legacy', 'events'))
  events(@CurrentRequester() requester: Requester, @Query() query: EventsQuery) {
    return this.legacy.events(requester, query);
  }

  @Get(clientRoutes('legacy', 'initialSync'))
  initialSync(@CurrentRequester() requester: Requester, @Query() query: InitialSyncQuery) {
    return this.legacy.initialSync(requester, query);
  }
}
