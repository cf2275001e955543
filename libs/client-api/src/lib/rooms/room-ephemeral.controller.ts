import { Body, Controller, Param, Post, Put } from '@nestjs/common';

import { ReceiptService, TypingService } from '@chat/handlers';
import { CurrentRequester, type Requester } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

import { EventIdPipe, RoomIdPipe, UserIdPipe } from './id-params';
import { ReadMarkersBody, ReceiptBody, TypingBody } from './room-dtos';

/** Typing notifications, receipts and read markers. */
@Controller()
export class RoomEphemeralController {
  constructor(
    private readonly typing: TypingService,
    private readonly receipts: ReceiptService,
  ) {}

  @Put(clientRoutes('legacy', 'rooms/:roomId/typing/:userId'))
  async setTyping(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Param('userId', UserIdPipe) userId: string,
    @Body() body: TypingBody,
  ) {
    await this.typing.setTyping(requester, roomId, userId, body.typing, body.timeout);
    return {};
  }

  @Post(clientRoutes('legacy', 'rooms/:roomId/receipt/:receiptType/:eventId'))
  async receipt(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Param('receiptType') receiptType: string,
    @Param('eventId', EventIdPipe) eventId: string,
    @Body() body: ReceiptBody,
  ) {
    await this.receipts.sendReceipt(requester, roomId, receiptType, eventId, body.thread_id);
    return {};
  }

  @Post(clientRoutes('current', 'rooms/:roomId/read_markers'))
  async readMarkers(
    @CurrentRequester() requester: Requester,
    @Param('roomId', RoomIdPipe) roomId: string,
    @Body() body: ReadMarkersBody,
  ) {
    await this.receipts.setReadMarkers(requester, roomId, body);
    return {};
  }
}
