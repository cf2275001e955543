import { Controller, Get, Post, Query } from '@nestjs/common';
import { IsIn, IsOptional, IsString } from 'class-validator';

import { RegistrationService, type UiAuthRequest } from '@chat/handlers';
import { ClientIp, Public, RateLimit } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

import { UiAuthRequestParam } from '../ui-auth-request.decorator';

export class RegisterQuery {
  @IsOptional()
  @IsIn(['user', 'guest'])
  kind?: 'user' | 'guest';
}

export class UsernameQuery {
  @IsString()
  username: string;
}

export class RegistrationTokenQuery {
  @IsString()
  token: string;
}

@Controller()
export class RegisterController {
  constructor(private readonly registration: RegistrationService) {}

  /** Rate-limited by the service, which counts registrations rather than requests. */
  @Public()
  @Post(clientRoutes('current', 'register'))
  register(
    @Query() query: RegisterQuery,
    @UiAuthRequestParam() request: UiAuthRequest,
    @ClientIp() clientIp: string,
  ) {
    return this.registration.register(query.kind, request, clientIp);
  }

  @Public()
  @Get(clientRoutes('current', 'register/available'))
  @RateLimit((c) => c.rcRegistration)
  available(@Query() query: UsernameQuery) {
    return this.registration.checkAvailable(query.username);
  }

  @Public()
  @Get(clientRoutes('v1', 'register/m.login.registration_token/validity'))
  @RateLimit((c) => c.rcRegistrationTokenValidity)
  tokenValidity(@Query() query: RegistrationTokenQuery) {
    return this.registration.registrationTokenValidity(query.token);
  }
}
