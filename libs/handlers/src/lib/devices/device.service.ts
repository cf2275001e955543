import { Injectable } from '@nestjs/common';

import type { Requester } from '@chat/platform';
import { MatrixError } from '@chat/protocol';
import { DeviceStore, type DeviceRecord } from '@chat/storage';

import { MAX_DEVICE_DISPLAY_NAME_LENGTH } from '../accounts/account-creator.service';
import { LOGIN_PASSWORD, UiAuthService, type UiAuthRequest } from '../accounts/ui-auth.service';
import { DeviceChanges } from './device-changes';

/** The client-server `Device` object: absent values are left out rather than sent as null. */
function toClientDevice(device: DeviceRecord) {
  return {
    device_id: device.deviceId,
    ...(device.displayName !== null && { display_name: device.displayName }),
    ...(device.lastSeenIp !== null && { last_seen_ip: device.lastSeenIp }),
    ...(device.lastSeenTs !== null && { last_seen_ts: device.lastSeenTs }),
  };
}

@Injectable()
export class DeviceService {
  constructor(
    private readonly devices: DeviceStore,
    private readonly uiAuth: UiAuthService,
    private readonly deviceChanges: DeviceChanges,
  ) {}

  async list(requester: Requester) {
    const devices = await this.devices.listDevices(requester.userId);
    return { devices: devices.map(toClientDevice) };
  }

  async get(requester: Requester, deviceId: string) {
    return toClientDevice(await this.require(requester.userId, deviceId));
  }

  async update(requester: Requester, deviceId: string, displayName: string | undefined) {
    if (displayName !== undefined && displayName.length > MAX_DEVICE_DISPLAY_NAME_LENGTH) {
      throw MatrixError.invalidParam(
        `Device display name is too long (max ${MAX_DEVICE_DISPLAY_NAME_LENGTH})`,
      );
    }
    await this.require(requester.userId, deviceId);
    if (displayName !== undefined) {
      await this.deviceChanges.rename(requester.userId, deviceId, displayName);
    }
    return {};
  }

  async delete(requester: Requester, deviceId: string, request: UiAuthRequest) {
    await this.require(requester.userId, deviceId);
    return this.deleteMany(requester, [deviceId], request);
  }

  async deleteMany(requester: Requester, deviceIds: string[], request: UiAuthRequest) {
    const { sessionId } = await this.uiAuth.check({ ...request, userId: requester.userId }, [
      [LOGIN_PASSWORD],
    ]);
    await this.deviceChanges.delete(requester.userId, deviceIds);
    await this.uiAuth.finish(sessionId);
    return {};
  }

  private async require(userId: string, deviceId: string): Promise<DeviceRecord> {
    const device = await this.devices.getDevice(userId, deviceId);
    if (!device) throw MatrixError.notFound('Device not found');
    return device;
  }
}
