import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';

import { RoomMessageService, RoomReadService } from '@chat/handlers';
import { CurrentRequester, RateLimit, type Requester } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

import { EventFieldPipe, EventIdPipe, RoomIdPipe } from './id-params';
import { ReasonBody, StateEventQuery } from './room-dtos';

/** Sending message and state events and redactions; reading state. */
@Controller()
export class RoomEventsController {
  constructor(
    private readonly messages: RoomMessageService,
    private readonly reads: RoomReadService,
  ) {}

  @Put(clientRoutes('legacy', 'rooms/:roomId/send/:eventType/:txnId'))
  @RateLimit((c) => c.rcMessage, 'user')
  send(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Param('eventType', EventFieldPipe) eventType: string,
    @Param('txnId') txnId: string,
    @Body() content: Record<string, unknown>,
  ) {
    return this.messages.send(requester, roomId, eventType, txnId, content);
  }

  @Put(clientRoutes('legacy', 'rooms/:roomId/state/:eventType{/:stateKey}'))
  @RateLimit((c) => c.rcMessage, 'user')
  putState(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Param('eventType', EventFieldPipe) eventType: string,
    @Param('stateKey', EventFieldPipe) stateKey: string | undefined,
    @Body() content: Record<string, unknown>,
  ) {
    return this.messages.putState(requester, roomId, eventType, stateKey ?? '', content);
  }

  @Get(clientRoutes('legacy', 'rooms/:roomId/state/:eventType{/:stateKey}'))
  getStateEvent(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Param('eventType') eventType: string,
    @Param('stateKey') stateKey: string | undefined,
    @Query() query: StateEventQuery,
  ) {
    return this.reads.getStateEvent(requester, roomId, eventType, stateKey ?? '', query.format);
  }

  @Get(clientRoutes('legacy', 'rooms/:roomId/state'))
  getState(@CurrentRequester() requester: Requester, @Param('roomId', RoomIdPipe) roomId: string) {
    return this.reads.getState(requester, roomId);
  }

  @Put(clientRoutes('legacy', 'rooms/:roomId/redact/:eventId/:txnId'))
  @RateLimit((c) => c.rcMessage, 'user')
  redact(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Param('eventId', EventIdPipe) eventId: string,
    @Param('txnId') txnId: string,
    @Body() body: ReasonBody,
  ) {
    return this.messages.redact(requester, roomId, eventId, txnId, body.reason);
  }
}
