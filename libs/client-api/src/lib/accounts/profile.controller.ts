import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';

import { ProfileService } from '@chat/handlers';
import { CurrentRequester, Public, type Requester } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

/** Profiles are readable without a token, as in Synapse's default configuration. */
@Controller()
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Public()
  @Get(clientRoutes('legacy', 'profile/:userId'))
  getProfile(@Param('userId') userId: string) {
    return this.profiles.getProfile(userId);
  }

  @Public()
  @Get(clientRoutes('legacy', 'profile/:userId/:keyName'))
  getField(@Param('userId') userId: string, @Param('keyName') keyName: string) {
    return this.profiles.getField(userId, keyName);
  }

  @Put(clientRoutes('legacy', 'profile/:userId/:keyName'))
  setField(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Param('keyName') keyName: string,
    @Body() body: Record<string, unknown>,
  ) {
    return this.profiles.setField(requester, userId, keyName, body);
  }

  @Delete(clientRoutes('legacy', 'profile/:userId/:keyName'))
  deleteField(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Param('keyName') keyName: string,
  ) {
    return this.profiles.deleteField(requester, userId, keyName);
  }
}
