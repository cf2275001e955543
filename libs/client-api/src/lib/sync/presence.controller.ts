import { Body, Controller, Get, Param, Put } from '@nestjs/common';

import { PresenceService } from '@chat/handlers';
import { CurrentRequester, type Requester } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

@Controller()
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  @Get(clientRoutes('legacy', 'presence/:userId/status'))
  get(@CurrentRequester() requester: Requester, @Param('userId') userId: string) {
    return this.presence.getStatus(requester, userId);
  }

  @Put(clientRoutes('legacy', 'presence/:userId/status'))
  async put(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Body() body: Record<string, unknown>,
  ) {
    await this.presence.setStatus(requester, userId, body);
    return {};
  }
}
