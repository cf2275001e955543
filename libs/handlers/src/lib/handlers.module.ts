import { Module } from '@nestjs/common';

import { ACCESS_TOKEN_RESOLVER } from '@chat/platform';

import { AccessTokenService } from './accounts/access-token.service';
import { AccountCreator } from './accounts/account-creator.service';
import { AccountService } from './accounts/account.service';
import { LoginService } from './accounts/login.service';
import { PasswordHasher } from './accounts/password-hasher.service';
import { RegistrationService } from './accounts/registration.service';
import { UiAuthService } from './accounts/ui-auth.service';
import { Clock } from './common/clock';
import { ClientIpRecorder } from './devices/client-ip-recorder.service';
import { DeviceService } from './devices/device.service';
import { ProfileService } from './profile/profile.service';

const services = [
  AccessTokenService,
  AccountCreator,
  AccountService,
  ClientIpRecorder,
  Clock,
  DeviceService,
  LoginService,
  PasswordHasher,
  ProfileService,
  RegistrationService,
  UiAuthService,
];

/**
 * The account domain: registration, login, devices, profiles and user-interactive auth. Expects
 * PlatformModule (config, rate limiter) and StorageModule (stores) to be global in the app.
 */
@Module({
  providers: [...services, { provide: ACCESS_TOKEN_RESOLVER, useExisting: AccessTokenService }],
  exports: [...services, ACCESS_TOKEN_RESOLVER],
})
export class HandlersModule {}
