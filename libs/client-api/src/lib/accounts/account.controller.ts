import { Controller, Get, Post } from '@nestjs/common';

import { AccountService, type UiAuthRequest } from '@chat/handlers';
import { AllowGuest, CurrentRequester, type Requester } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

import { UiAuthRequestParam } from '../ui-auth-request.decorator';

@Controller()
export class AccountController {
  constructor(private readonly accounts: AccountService) {}

  @AllowGuest()
  @Get(clientRoutes('current', 'account/whoami'))
  whoami(@CurrentRequester() requester: Requester) {
    return this.accounts.whoami(requester);
  }

  @Post(clientRoutes('current', 'account/password'))
  changePassword(
    @CurrentRequester() requester: Requester,
    @UiAuthRequestParam() request: UiAuthRequest,
  ) {
    return this.accounts.changePassword(requester, request);
  }

  @Post(clientRoutes('current', 'account/deactivate'))
  deactivate(
    @CurrentRequester() requester: Requester,
    @UiAuthRequestParam() request: UiAuthRequest,
  ) {
    return this.accounts.deactivate(requester, request);
  }

  @Get(clientRoutes('legacy', 'account/3pid'))
  threepids() {
    return this.accounts.threepids();
  }
}
