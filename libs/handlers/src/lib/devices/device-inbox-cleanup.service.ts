import { Injectable, type OnModuleInit } from '@nestjs/common';

import { ToDeviceStore } from '@chat/storage';

import { BackgroundTasks } from '../common/background-tasks';
import { Clock } from '../common/clock';
import { TXN_LIFETIME_MS } from '../rooms/event-txn-expiry.service';

const CLEANUP_INTERVAL_MS = 60 * 60 * 1000;
/** Rows per statement: each stays short however much has piled up. */
export const DEVICE_INBOX_CLEANUP_BATCH = 10_000;

/**
 * What the to-device store keeps after it stops mattering. Deleting a device takes its inbox
 * along, but a message queued while the device was being deleted (or before deletions did that)
 * stays; the sweep drops it. Send transaction ids are forgotten once no client could still be
 * retrying them.
 */
@Injectable()
export class DeviceInboxCleanup implements OnModuleInit {
  constructor(
    private readonly toDevice: ToDeviceStore,
    private readonly clock: Clock,
    private readonly tasks: BackgroundTasks,
  ) {}

  onModuleInit(): void {
    this.tasks.every('sweep_device_inbox', CLEANUP_INTERVAL_MS, () => this.sweepInbox());
    this.tasks.every('expire_to_device_txn_ids', CLEANUP_INTERVAL_MS, () => this.expireTxnIds());
  }

  /** Walks the whole inbox a batch at a time; returns how many messages went. */
  async sweepInbox(): Promise<number> {
    let total = 0;
    let after = 0;
    for (;;) {
      const step = await this.toDevice.deleteMessagesForMissingDevices(
        after,
        DEVICE_INBOX_CLEANUP_BATCH,
      );
      total += step.deleted;
      if (step.scannedUpTo === null) return total;
      after = step.scannedUpTo;
    }
  }

  /** Batch after batch until one comes back short; returns how many ids went. */
  async expireTxnIds(): Promise<number> {
    const before = this.clock.now() - TXN_LIFETIME_MS;
    let total = 0;
    for (;;) {
      const expired = await this.toDevice.expireTxnIds(before, DEVICE_INBOX_CLEANUP_BATCH);
      total += expired;
      if (expired < DEVICE_INBOX_CLEANUP_BATCH) return total;
    }
  }
}
