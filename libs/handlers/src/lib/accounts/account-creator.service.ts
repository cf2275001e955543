import { Inject, Injectable } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG } from '@chat/platform';
import { MatrixError, parseUserIdOrThrow, randomString } from '@chat/protocol';
import { AccountStore, Database, DeviceStore, type Txn } from '@chat/storage';

import { Clock } from '../common/clock';
import { DeviceListChanges } from '../devices/device-list-changes';
import { AccessTokenService } from './access-token.service';

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
 * here, so a user, its first device and its token commit in one transaction.
 */
@Injectable()
export class AccountCreator {
  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly database: Database,
    private readonly accounts: AccountStore,
    private readonly devices: DeviceStore,
    private readonly tokens: AccessTokenService,
    private readonly clock: Clock,
    private readonly deviceLists: DeviceListChanges,
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
    return this.database.runInteraction('create_user', async (txn) => {
      const created = await this.accounts.createUser({ ...user, createdTs: this.clock.now() }, txn);
      if (!created) throw new MatrixError(400, 'M_USER_IN_USE', 'User ID already taken.');
      const { localpart } = parseUserIdOrThrow(user.userId);
      await this.accounts.setDisplayname(user.userId, localpart, txn);
      if (inTxn) await inTxn(txn);
      if (login === false) return { user_id: user.userId, home_server: this.config.serverName };
      return this.loginDevice(user.userId, login.deviceId, login.displayName ?? null, txn);
    });
  }

  /** Registers (or reuses) a device and issues a fresh access token for it. */
  async loginDevice(
    userId: string,
    deviceId: string | undefined,
    displayName: string | null,
    txn?: Txn,
  ): Promise<NewSession> {
    if (displayName !== null && displayName.length > MAX_DEVICE_DISPLAY_NAME_LENGTH) {
      throw MatrixError.invalidParam(
        `Device display name is too long (max ${MAX_DEVICE_DISPLAY_NAME_LENGTH})`,
      );
    }
    const run = async (t: Txn): Promise<NewSession> => {
      const id = deviceId ?? randomString(10, DEVICE_ID_ALPHABET);
      if (await this.devices.upsertDevice(userId, id, displayName, t)) {
        await this.deviceLists.changed(userId, [id], t);
      }
      const { token } = await this.tokens.issue(userId, id, t);
      return {
        user_id: userId,
        device_id: id,
        access_token: token,
        home_server: this.config.serverName,
      };
    };
    return txn ? run(txn) : this.database.runInteraction('login_device', run);
  }
}
