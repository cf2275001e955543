import { Inject, Injectable } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG, type Requester } from '@chat/platform';
import { MatrixError } from '@chat/protocol';
import { AccountStore, Database, DeviceStore, type Txn } from '@chat/storage';

import { DeviceChanges } from '../devices/device-changes';
import { optionalBoolean, optionalString } from './body-fields';
import { PasswordHasher } from './password-hasher.service';
import { LOGIN_PASSWORD, UiAuthService, type UiAuthRequest } from './ui-auth.service';

@Injectable()
export class AccountService {
  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly database: Database,
    private readonly accounts: AccountStore,
    private readonly devices: DeviceStore,
    private readonly passwords: PasswordHasher,
    private readonly uiAuth: UiAuthService,
    private readonly deviceChanges: DeviceChanges,
  ) {}

  whoami(requester: Requester) {
    return {
      user_id: requester.userId,
      device_id: requester.deviceId,
      is_guest: requester.isGuest,
    };
  }

  /** `POST /account/password`; by default every other device is logged out, as in Synapse. */
  async changePassword(
    requester: Requester,
    request: UiAuthRequest,
  ): Promise<Record<string, never>> {
    if (!this.config.passwordConfig.enabled)
      throw MatrixError.forbidden('Password change disabled');
    const newPassword = optionalString(request.body, 'new_password');
    if (newPassword === undefined) throw MatrixError.missingParam('Missing new_password');
    if (newPassword.length < this.config.passwordConfig.minimumLength) {
      throw new MatrixError(400, 'M_WEAK_PASSWORD', 'Password too short');
    }
    const logoutDevices = optionalBoolean(request.body, 'logout_devices') ?? true;
    // Every request carries the new password, so the session need not (and must not) store it.
    const { new_password: _newPassword, ...body } = request.body;
    const { sessionId } = await this.uiAuth.check({ ...request, body, userId: requester.userId }, [
      [LOGIN_PASSWORD],
    ]);
    const hash = await this.passwords.hash(newPassword);
    const change = async (txn: Txn) => {
      await this.accounts.setPasswordHash(requester.userId, hash, txn);
      if (logoutDevices) {
        await this.devices.deleteAccessTokensForUser(
          requester.userId,
          requester.accessTokenId,
          txn,
        );
      }
    };
    if (logoutDevices) {
      const { userId, deviceId } = requester;
      await this.deviceChanges.deleteAllAlong('change_password', userId, deviceId, change);
    } else {
      await this.database.runInteraction('change_password', change);
    }
    await this.uiAuth.finish(sessionId);
    return {};
  }

  /** `POST /account/deactivate`: no password, no devices, no tokens, an empty profile. */
  async deactivate(requester: Requester, request: UiAuthRequest) {
    optionalBoolean(request.body, 'erase');
    optionalString(request.body, 'id_server');
    const { sessionId } = await this.uiAuth.check({ ...request, userId: requester.userId }, [
      [LOGIN_PASSWORD],
    ]);
    await this.deviceChanges.deleteAllAlong(
      'deactivate_account',
      requester.userId,
      undefined,
      async (txn) => {
        await this.accounts.markDeactivated(requester.userId, txn);
        await this.accounts.setPasswordHash(requester.userId, null, txn);
        await this.accounts.setDisplayname(requester.userId, null, txn);
        await this.accounts.setAvatarUrl(requester.userId, null, txn);
      },
    );
    await this.uiAuth.finish(sessionId);
    // No identity server binding exists yet, so there is nothing to unbind.
    return { id_server_unbind_result: 'no-support' };
  }

  /** `GET /account/3pid`: third-party ids arrive with email support; until then, none. */
  threepids() {
    return { threepids: [] };
  }
}
