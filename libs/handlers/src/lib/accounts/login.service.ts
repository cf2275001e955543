import { Inject, Injectable } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG, RateLimiter, type Requester } from '@chat/platform';
import { MatrixError } from '@chat/protocol';
import { AccountStore } from '@chat/storage';

import { DeviceChanges } from '../devices/device-changes';
import { AccountCreator } from './account-creator.service';
import { optionalString } from './body-fields';
import { PasswordHasher } from './password-hasher.service';
import { LOGIN_PASSWORD } from './ui-auth.service';
import { findRegisteredUser, userIdFromLoginBody } from './user-identifier';

@Injectable()
export class LoginService {
  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly accounts: AccountStore,
    private readonly passwords: PasswordHasher,
    private readonly creator: AccountCreator,
    private readonly rateLimiter: RateLimiter,
    private readonly deviceChanges: DeviceChanges,
  ) {}

  flows(): { flows: Array<{ type: string }> } {
    return { flows: this.config.passwordConfig.enabled ? [{ type: LOGIN_PASSWORD }] : [] };
  }

  async login(body: Record<string, unknown>) {
    const type = body['type'];
    if (typeof type !== 'string') throw MatrixError.badJson('type must be a string');
    if (type !== LOGIN_PASSWORD || !this.config.passwordConfig.enabled) {
      throw new MatrixError(400, 'M_UNKNOWN', 'Unknown login type');
    }
    const password = body['password'];
    if (typeof password !== 'string') throw MatrixError.badJson('password must be a string');
    const requestedUserId = userIdFromLoginBody(body, this.config.serverName);

    // Per-account limits (Synapse's rc_login.failed_attempts, and rc_login.account below), keyed by
    // the lower-cased id so that case variants share a bucket.
    const accountKey = requestedUserId.toLowerCase();
    this.rateLimiter.check(`login-failed:${accountKey}`, this.config.rcLogin.failedAttempts, {
      update: false,
    });

    const user = await findRegisteredUser(this.accounts, requestedUserId);
    // Deactivation removes the password, so no password could match: say why, as Synapse does.
    if (user?.deactivated) {
      throw new MatrixError(403, 'M_USER_DEACTIVATED', 'This account has been deactivated');
    }
    if (!user || !(await this.passwords.verify(user.passwordHash, password))) {
      this.rateLimiter.record(`login-failed:${accountKey}`, this.config.rcLogin.failedAttempts);
      throw MatrixError.forbidden('Invalid username or password');
    }
    // As in Synapse, only logins that would succeed count here: failures have their own bucket.
    this.rateLimiter.check(`login-account:${accountKey}`, this.config.rcLogin.account);
    const session = await this.creator.loginDevice(
      user.userId,
      optionalString(body, 'device_id'),
      optionalString(body, 'initial_device_display_name') ?? null,
    );
    return { ...session, well_known: { 'm.homeserver': { base_url: this.config.publicBaseurl } } };
  }

  /** Logs the device out: the spec deletes the device along with its token. */
  async logout(requester: Requester): Promise<Record<string, never>> {
    await this.deviceChanges.delete(requester.userId, [requester.deviceId]);
    return {};
  }

  async logoutAll(requester: Requester): Promise<Record<string, never>> {
    await this.deviceChanges.deleteAll(requester.userId);
    return {};
  }
}
