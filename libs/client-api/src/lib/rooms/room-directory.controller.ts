import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';

import { RoomAliasService } from '@chat/handlers';
import { CurrentRequester, Public, type Requester } from '@chat/platform';
import { clientPaths } from '@chat/routing';

import { RoomIdPipe } from './id-params';
import { AliasBody } from './room-dtos';

/** Room aliases. Resolving one needs no token, as in Synapse. */
@Controller()
export class RoomDirectoryController {
  constructor(private readonly aliases: RoomAliasService) {}

  @Public()
  @Get(clientPaths('legacy', 'directory/room/:roomAlias'))
  resolve(@Param('roomAlias') alias: string) {
    return this.aliases.resolve(alias);
  }

  @Put(clientPaths('legacy', 'directory/room/:roomAlias'))
  async create(
    @CurrentRequester() requester: Requester,
    @Param('roomAlias') alias: string,
    @Body() body: AliasBody,
  ) {
    await this.aliases.create(requester, alias, new RoomIdPipe().transform(body.room_id));
    return {};
  }

  @Delete(clientPaths('legacy', 'directory/room/:roomAlias'))
  async delete(@CurrentRequester() requester: Requester, @Param('roomAlias') alias: string) {
    await this.aliases.delete(requester, alias);
    return {};
  }

  @Get(clientPaths('current', 'rooms/:roomId/aliases'))
  roomAliases(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
  ) {
    return this.aliases.aliasesForRoom(requester, roomId);
  }
}
