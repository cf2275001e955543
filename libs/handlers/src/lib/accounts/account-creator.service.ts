import { Inject, Injectable } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG } from '@chat/platform';
import { MatrixError, parseUserIdOrThrow, randomString } from '@chat/protocol';
import { AccountStore, Database, type Txn } from '@chat/storage';

import { Clock } from '../common/clock';
import { DeviceChanges } from '../devices/device-changes';

const DEVICE_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const MAX_DEVICE_DISPLAY_NAME_LENGTH = 100;

export interface NewSession {
  user_id: string;
  device_id: string;
  access_token: string;
  home_server: string;
}

/**
 * Creates users and logs devices in. Registration (client and shared-secret) and login all end
 * here. Where this process writes device lists, a user, its first device and its token commit in
 * one transaction; elsewhere the writer adds the device once the user has committed.
 */
@Injectable()
export class AccountCreator {
  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly database: Database,
    private readonly accounts: AccountStore,
    private readonly clock: Clock,
    private readonly deviceChanges: DeviceChanges,
  ) {}

  /**
   * Inserts the user (profile displayname = localpart, as Synapse does) and, unless `login` is
   * false, a device and an access token. Throws M_USER_IN_USE when the id was taken meanwhile.
   */
  async createUser(
    user: { userId: string; passwordHash: string | null; isAdmin: boolean; isGuest: boolean },
    login: { deviceId?: string; displayName?: string | null } | false,
    inTxn?: (txn: Txn) => Promise<void>,
  ): Promise<{ user_id: string; home_server: string } | NewSession> {
    const device = login && { deviceId: login.deviceId, displayName: login.displayName ?? null };
    // Refused before the user exists: on a process that adds the device after the commit, a
    // refusal then would leave an account without the device its client asked for.
    if (device) checkDisplayName(device.displayName);
    const session = await this.database.runInteraction('create_user', async (txn) => {
      const created = await this.accounts.createUser({ ...user, createdTs: this.clock.now() }, txn);
      if (!created) throw new MatrixError(400, 'M_USER_IN_USE', 'User ID already taken.');
      const { localpart } = parseUserIdOrThrow(user.userId);
      await this.accounts.setDisplayname(user.userId, localpart, txn);
      if (inTxn) await inTxn(txn);
      return device && this.deviceChanges.local
        ? this.loginDevice(user.userId, device.deviceId, device.displayName, txn)
        : undefined;
    });
    if (!device) return { user_id: user.userId, home_server: this.config.serverName };
    // Only once the user has committed: a device written for a registration that then lost
    // the user id to another would belong to that other account.
    return session ?? this.loginDevice(user.userId, device.deviceId, device.displayName);
  }

  /**
   * Registers (or reuses) a device and issues a fresh access token for it. In `txn` only where
   * this process writes device lists (`DeviceChanges.local`).
   */
  async loginDevice(
    userId: string,
    deviceId: string | undefined,
    displayName: string | null,
    txn?: Txn,
  ): Promise<NewSession> {
    checkDisplayName(displayName);
    const id = deviceId ?? randomString(10, DEVICE_ID_ALPHABET);
    return {
      user_id: userId,
      device_id: id,
      access_token: await this.deviceChanges.login(userId, id, displayName, txn),
      home_server: this.config.serverName,
    };
  }
}

function checkDisplayName(displayName: string | null): void {
  if (displayName !== null && displayName.length > MAX_DEVICE_DISPLAY_NAME_LENGTH) {
    throw MatrixError.invalidParam(
      `Device display name is too long (max ${MAX_DEVICE_DISPLAY_NAME_LENGTH})`,
    );
  }
}
