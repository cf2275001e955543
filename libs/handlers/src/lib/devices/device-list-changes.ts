import { Injectable } from '@nestjs/common';

import { DeviceStore, type Txn } from '@chat/storage';

import { StreamWrites } from '../common/stream-writes';

/**
 * Devices change where the request arrives (login, registration, renames, deletions), together
 * with their access tokens. On a `device_lists` writer the store writes the stream rows in the
 * same transaction; any other process has a writer record them once the change has committed
 * (`notify_device_update`), as Synapse does.
 */
@Injectable()
export class DeviceListChanges {
  constructor(
    devices: DeviceStore,
    private readonly writes: StreamWrites,
  ) {
    writes.serve('notify_device_update', (body) =>
      devices.recordDeviceListChanges(body.user_id, body.device_ids),
    );
  }

  /** The user's `deviceIds` changed, in `txn` if given: recorded once it commits. */
  async changed(userId: string, deviceIds: readonly string[], txn?: Txn): Promise<void> {
    if (deviceIds.length === 0 || this.writes.writesHere('device_lists')) return;
    const notify = () =>
      this.writes.write('notify_device_update', { user_id: userId, device_ids: [...deviceIds] });
    if (txn) txn.afterCommit(notify);
    else await notify();
  }
}
