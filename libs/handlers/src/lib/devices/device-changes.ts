import { Injectable } from '@nestjs/common';

import { Database, DeviceStore, type Txn } from '@chat/storage';

import { AccessTokenService } from '../accounts/access-token.service';
import type { StreamWriteBody } from '../common/stream-write-ops';
import { StreamWrites } from '../common/stream-writes';

/**
 * Where devices change: on a `device_lists` writer (the user's, when there are several), whatever
 * process the request arrived at. The writer commits the device rows, their access tokens and the
 * device-list stream rows in one transaction, so no change can commit without the rows that tell
 * other users' clients about it (they would never learn of a new device, and end-to-end
 * encryption would break later). A transaction cannot span processes: a caller's transaction is
 * joined only where this process writes device lists (`local`).
 */
@Injectable()
export class DeviceChanges {
  constructor(
    private readonly database: Database,
    private readonly devices: DeviceStore,
    private readonly tokens: AccessTokenService,
    private readonly writes: StreamWrites,
  ) {
    writes.serve('device_login', (body) =>
      database.runInteraction('device_login', (txn) => this.loginIn(txn, body)),
    );
    writes.serve('device_rename', async (body) => {
      await devices.setDisplayName(body.user_id, body.device_id, body.display_name);
    });
    writes.serve('devices_delete', async (body) => {
      await devices.deleteDevices(body.user_id, body.device_ids);
    });
    writes.serve('devices_delete_all', async (body) => {
      await devices.deleteAllDevices(body.user_id, body.except_device_id);
    });
  }

  /** Whether this process writes device lists: only then can a change join a transaction. */
  get local(): boolean {
    return this.writes.writesHere('device_lists');
  }

  /**
   * Adds the device unless it exists (keeping an existing display name) and issues it an access
   * token, which it returns. In `txn` if given, which only a `local` process may give.
   */
  async login(
    userId: string,
    deviceId: string,
    displayName: string | null,
    txn?: Txn,
  ): Promise<string> {
    const body = { user_id: userId, device_id: deviceId, display_name: displayName };
    const { access_token } = txn
      ? await this.loginIn(this.join(txn), body)
      : await this.writes.write('device_login', body);
    return access_token;
  }

  /** Sets the display name of the device, if it (still) exists. */
  async rename(userId: string, deviceId: string, displayName: string | null): Promise<void> {
    await this.writes.write('device_rename', {
      user_id: userId,
      device_id: deviceId,
      display_name: displayName,
    });
  }

  /** Deletes those of the devices that exist, with their access tokens. */
  async delete(userId: string, deviceIds: readonly string[]): Promise<void> {
    if (deviceIds.length === 0) return;
    await this.writes.write('devices_delete', { user_id: userId, device_ids: [...deviceIds] });
  }

  /** Deletes every device of the user but `exceptDeviceId`, with their access tokens. */
  async deleteAll(userId: string, exceptDeviceId?: string): Promise<void> {
    await this.writes.write('devices_delete_all', {
      user_id: userId,
      except_device_id: exceptDeviceId,
    });
  }

  /**
   * `deleteAll` along with `change` (the account's own rows), in its transaction on a `local`
   * process. Elsewhere the writer deletes the devices first: a failure before `change` commits
   * then leaves them logged out, never the change made with them still logged in.
   */
  async deleteAllAlong(
    name: string,
    userId: string,
    exceptDeviceId: string | undefined,
    change: (txn: Txn) => Promise<void>,
  ): Promise<void> {
    if (!this.local) await this.deleteAll(userId, exceptDeviceId);
    await this.database.runInteraction(name, async (txn) => {
      await change(txn);
      if (this.local) await this.devices.deleteAllDevices(userId, exceptDeviceId, txn);
    });
  }

  private async loginIn(
    txn: Txn,
    body: StreamWriteBody<'device_login'>,
  ): Promise<{ access_token: string }> {
    await this.devices.upsertDevice(body.user_id, body.device_id, body.display_name, txn);
    const { token } = await this.tokens.issue(body.user_id, body.device_id, txn);
    return { access_token: token };
  }

  private join(txn: Txn): Txn {
    if (!this.local) {
      throw new Error('device changes join a transaction only on a device_lists writer');
    }
    return txn;
  }
}
