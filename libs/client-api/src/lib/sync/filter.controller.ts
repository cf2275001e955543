import { Body, Controller, Get, Param, Post } from '@nestjs/common';

import { FilterService } from '@chat/handlers';
import { CurrentRequester, type Requester } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

/** Sync filters: upload one, read it back by id. */
@Controller()
export class FilterController {
  constructor(private readonly filters: FilterService) {}

  @Post(clientRoutes('legacy', 'user/:userId/filter'))
  create(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Body() body: Record<string, unknown>,
  ) {
    return this.filters.create(requester, userId, body);
  }

  @Get(clientRoutes('legacy', 'user/:userId/filter/:filterId'))
  get(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Param('filterId') filterId: string,
  ) {
    return this.filters.get(requester, userId, filterId);
  }
}
