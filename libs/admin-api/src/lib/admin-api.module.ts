import { Module } from '@nestjs/common';

import { HandlersModule } from '@chat/handlers';

import { SharedSecretRegistrationController } from './shared-secret-registration.controller';

/** The server-specific admin API under /_chat/admin. */
@Module({
  imports: [HandlersModule],
  controllers: [SharedSecretRegistrationController],
})
export class AdminApiModule {}
