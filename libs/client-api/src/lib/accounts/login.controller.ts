import { Body, Controller, Get, Post } from '@nestjs/common';

import { LoginService } from '@chat/handlers';
import { AllowGuest, CurrentRequester, Public, RateLimit, type Requester } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

@Controller()
export class LoginController {
  constructor(private readonly logins: LoginService) {}

  @Public()
  @Get(clientRoutes('legacy', 'login'))
  flows() {
    return this.logins.flows();
  }

  @Public()
  @Post(clientRoutes('legacy', 'login'))
  @RateLimit((c) => c.rcLogin.address)
  login(@Body() body: Record<string, unknown>) {
    return this.logins.login(body);
  }

  @AllowGuest()
  @Post(clientRoutes('legacy', 'logout'))
  logout(@CurrentRequester() requester: Requester) {
    return this.logins.logout(requester);
  }

  @AllowGuest()
  @Post(clientRoutes('legacy', 'logout/all'))
  logoutAll(@CurrentRequester() requester: Requester) {
    return this.logins.logoutAll(requester);
  }
}
