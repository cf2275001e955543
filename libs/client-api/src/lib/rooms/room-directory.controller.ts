import { Body, Controller, Inject, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';

import { RoomAliasService, RoomDirectoryService } from '@chat/handlers';
import type { HomeserverConfig } from '@chat/config';
import { CurrentRequester, HOMESERVER_CONFIG, Public, type Requester } from '@chat/platform';
import { MatrixError } from '@chat/protocol';
import { clientRoutes } from '@chat/routing';

import { RoomIdPipe } from './id-params';
import { AliasBody, PublicRoomsBody, PublicRoomsQuery, VisibilityBody } from './room-dtos';

/** Room aliases and the published room list. Resolving an alias needs no token, as in Synapse. */
@Controller()
export class RoomDirectoryController {
  constructor(
    private readonly aliases: RoomAliasService,
    private readonly directory: RoomDirectoryService,
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
  ) {}

  @Public()
  @Get(clientRoutes('legacy', 'directory/list/room/:roomId'))
  getVisibility(@Param('roomId', RoomIdPipe) roomId: string) {
    return this.directory.getVisibility(roomId);
  }

  @Put(clientRoutes('legacy', 'directory/list/room/:roomId'))
  async setVisibility(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Body() body: VisibilityBody,
  ) {
    await this.directory.setVisibility(requester, roomId, body.visibility);
    return {};
  }

  @Get(clientRoutes('legacy', 'publicRooms'))
  publicRooms(@Query() query: PublicRoomsQuery) {
    this.requireLocal(query.server);
    return this.directory.publicRooms(query);
  }

  @Post(clientRoutes('legacy', 'publicRooms'))
  searchPublicRooms(@Query() query: PublicRoomsQuery, @Body() body: PublicRoomsBody) {
    this.requireLocal(query.server);
    return this.directory.publicRooms(body);
  }

  /** Other servers' directories come with federation. */
  private requireLocal(server: string | undefined): void {
    if (server !== undefined && server !== this.config.serverName) {
      throw MatrixError.notFound(`No room directory known for ${server}`);
    }
  }

  @Public()
  @Get(clientRoutes('legacy', 'directory/room/:roomAlias'))
  resolve(@Param('roomAlias') alias: string) {
    return this.aliases.resolve(alias);
  }

  @Put(clientRoutes('legacy', 'directory/room/:roomAlias'))
  async create(
    @CurrentRequester() requester: Requester,
    @Param('roomAlias') alias: string,
    @Body() body: AliasBody,
  ) {
    await this.aliases.create(requester, alias, new RoomIdPipe().transform(body.room_id));
    return {};
  }

  @Delete(clientRoutes('legacy', 'directory/room/:roomAlias'))
  async delete(@CurrentRequester() requester: Requester, @Param('roomAlias') alias: string) {
    await this.aliases.delete(requester, alias);
    return {};
  }

  @Get(clientRoutes('current', 'rooms/:roomId/aliases'))
  roomAliases(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
  ) {
    return this.aliases.aliasesForRoom(requester, roomId);
  }
}
