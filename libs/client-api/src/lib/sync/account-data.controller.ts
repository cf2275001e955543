import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';

import { AccountDataService } from '@chat/handlers';
import { CurrentRequester, type Requester } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

/** Account data (global and per room) and room tags. */
@Controller()
export class AccountDataController {
  constructor(private readonly accountData: AccountDataService) {}

  @Get(clientRoutes('legacy', 'user/:userId/account_data/:type'))
  getGlobal(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Param('type') type: string,
  ) {
    return this.accountData.get(requester, userId, null, type);
  }

  @Put(clientRoutes('legacy', 'user/:userId/account_data/:type'))
  async putGlobal(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Param('type') type: string,
    @Body() content: Record<string, unknown>,
  ) {
    await this.accountData.put(requester, userId, null, type, content);
    return {};
  }

  @Get(clientRoutes('legacy', 'user/:userId/rooms/:roomId/account_data/:type'))
  getRoom(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Param('roomId') roomId: string,
    @Param('type') type: string,
  ) {
    return this.accountData.get(requester, userId, roomId, type);
  }

  @Put(clientRoutes('legacy', 'user/:userId/rooms/:roomId/account_data/:type'))
  async putRoom(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Param('roomId') roomId: string,
    @Param('type') type: string,
    @Body() content: Record<string, unknown>,
  ) {
    await this.accountData.put(requester, userId, roomId, type, content);
    return {};
  }

  @Get(clientRoutes('legacy', 'user/:userId/rooms/:roomId/tags'))
  getTags(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Param('roomId') roomId: string,
  ) {
    return this.accountData.getTags(requester, userId, roomId);
  }

  @Put(clientRoutes('legacy', 'user/:userId/rooms/:roomId/tags/:tag'))
  async putTag(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Param('roomId') roomId: string,
    @Param('tag') tag: string,
    @Body() body: Record<string, unknown>,
  ) {
    await this.accountData.putTag(requester, userId, roomId, tag, body);
    return {};
  }

  @Delete(clientRoutes('legacy', 'user/:userId/rooms/:roomId/tags/:tag'))
  async deleteTag(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Param('roomId') roomId: string,
    @Param('tag') tag: string,
  ) {
    await this.accountData.deleteTag(requester, userId, roomId, tag);
    return {};
  }
}
