import { Body, Controller, Param, Put } from '@nestjs/common';

import { ToDeviceService } from '@chat/handlers';
import { CurrentRequester, RateLimit, type Requester } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

import { EventFieldPipe } from '../rooms/id-params';

/** Idempotent per sending device and transaction id (protocol.md §6.3). */
@Controller()
export class ToDeviceController {
  constructor(private readonly toDevice: ToDeviceService) {}

  @Put(clientRoutes('current', 'sendToDevice/:eventType/:txnId'))
  @RateLimit((c) => c.rcMessage, 'user')
  async send(
    @CurrentRequester() requester: Requester,
    @Param('eventType', EventFieldPipe) eventType: string,
    @Param('txnId') txnId: string,
    @Body() body: Record<string, unknown>,
  ) {
    await this.toDevice.send(requester, eventType, txnId, body);
    return {};
  }
}
