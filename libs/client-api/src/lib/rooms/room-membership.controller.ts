import { Body, Controller, Param, Post } from '@nestjs/common';

import { MembershipService, RoomCreationService, RoomUpgradeService } from '@chat/handlers';
import { CurrentRequester, RateLimit, type Requester } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

import { RoomIdPipe } from './id-params';
import { CreateRoomBody, ReasonBody, TargetUserBody, UpgradeBody } from './room-dtos';

/** Creating rooms and changing memberships. */
@Controller()
export class RoomMembershipController {
  constructor(
    private readonly creation: RoomCreationService,
    private readonly membership: MembershipService,
    private readonly upgrades: RoomUpgradeService,
  ) {}

  @Post(clientRoutes('current', 'rooms/:roomId/upgrade'))
  upgrade(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Body() body: UpgradeBody,
  ) {
    return this.upgrades.upgrade(requester, roomId, body.new_version, body.additional_creators);
  }

  @Post(clientRoutes('legacy', 'createRoom'))
  @RateLimit((c) => c.rcMessage, 'user')
  createRoom(@CurrentRequester() requester: Requester, @Body() body: CreateRoomBody) {
    return this.creation.createRoom(requester, body);
  }

  @Post(clientRoutes('legacy', 'join/:roomIdOrAlias'))
  @RateLimit((c) => c.rcJoins.local, 'user')
  join(
    @CurrentRequester() requester: Requester,
    @Param('roomIdOrAlias') roomIdOrAlias: string,
    @Body() body: ReasonBody,
  ) {
    return this.membership.join(requester, roomIdOrAlias, body.reason);
  }

  @Post(clientRoutes('legacy', 'rooms/:roomId/join'))
  @RateLimit((c) => c.rcJoins.local, 'user')
  joinRoom(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Body() body: ReasonBody,
  ) {
    return this.membership.join(requester, roomId, body.reason);
  }

  @Post(clientRoutes('current', 'knock/:roomIdOrAlias'))
  @RateLimit((c) => c.rcJoins.local, 'user')
  knock(
    @CurrentRequester() requester: Requester,
    @Param('roomIdOrAlias') roomIdOrAlias: string,
    @Body() body: ReasonBody,
  ) {
    return this.membership.knock(requester, roomIdOrAlias, body.reason);
  }

  @Post(clientRoutes('legacy', 'rooms/:roomId/invite'))
  @RateLimit((c) => c.rcInvites.perUser, 'user')
  async invite(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Body() body: TargetUserBody,
  ) {
    await this.membership.invite(requester, roomId, body.user_id, body.reason);
    return {};
  }

  @Post(clientRoutes('legacy', 'rooms/:roomId/leave'))
  async leave(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Body() body: ReasonBody,
  ) {
    await this.membership.leave(requester, roomId, body.reason);
    return {};
  }

  @Post(clientRoutes('legacy', 'rooms/:roomId/forget'))
  async forget(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
  ) {
    await this.membership.forget(requester, roomId);
    return {};
  }

  @Post(clientRoutes('legacy', 'rooms/:roomId/kick'))
  async kick(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Body() body: TargetUserBody,
  ) {
    await this.membership.kick(requester, roomId, body.user_id, body.reason);
    return {};
  }

  @Post(clientRoutes('legacy', 'rooms/:roomId/ban'))
  async ban(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Body() body: TargetUserBody,
  ) {
    await this.membership.ban(requester, roomId, body.user_id, body.reason);
    return {};
  }

  @Post(clientRoutes('legacy', 'rooms/:roomId/unban'))
  async unban(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Body() body: TargetUserBody,
  ) {
    await this.membership.unban(requester, roomId, body.user_id, body.reason);
    return {};
  }
}
