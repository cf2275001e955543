import { Body, Controller, Get, Post } from '@nestjs/common';

import { RegistrationService, type SharedSecretRegistration } from '@chat/handlers';
import { Public, RateLimit } from '@chat/platform';
import { serverPath } from '@chat/routing';

/** Synapse-compatible shared-secret registration, used by `tools/register-user` and ops scripts. */
@Controller()
export class SharedSecretRegistrationController {
  constructor(private readonly registration: RegistrationService) {}

  @Public()
  @Get(serverPath('admin/v1/register'))
  @RateLimit((c) => c.rcRegistration)
  nonce() {
    return this.registration.sharedSecretNonce();
  }

  @Public()
  @Post(serverPath('admin/v1/register'))
  @RateLimit((c) => c.rcRegistration)
  register(@Body() body: Record<string, unknown>) {
    return this.registration.registerWithSharedSecret(body as unknown as SharedSecretRegistration);
  }
}
