import type { ToDeviceStore } from '@chat/storage';

import type { BackgroundTasks } from '../common/background-tasks';
import type { Clock } from '../common/clock';
import { TXN_LIFETIME_MS } from '../rooms/event-txn-expiry.service';
import { DEVICE_INBOX_CLEANUP_BATCH, DeviceInboxCleanup } from './device-inbox-cleanup.service';

describe('DeviceInboxCleanup', () => {
  const now = 1_700_000_000_000;
  const full = DEVICE_INBOX_CLEANUP_BATCH;
  const setup = (
    sweepSteps: Array<{ deleted: number; scannedUpTo: number | null }>,
    expiryBatches: number[] = [],
  ) => {
    const sweepCalls: Array<[number, number]> = [];
    const expiryCalls: Array<[number, number]> = [];
    const toDevice = {
      deleteMessagesForMissingDevices: async (after: number, limit: number) => {
        sweepCalls.push([after, limit]);
        return sweepSteps.shift() ?? { deleted: 0, scannedUpTo: null };
      },
      expireTxnIds: async (olderThanTs: number, limit: number) => {
        expiryCalls.push([olderThanTs, limit]);
        return expiryBatches.shift() ?? 0;
      },
    } as unknown as ToDeviceStore;
    const scheduled: string[] = [];
    const tasks = {
      every: (name: string) => scheduled.push(name),
    } as unknown as BackgroundTasks;
    const clock = { now: () => now } as Clock;
    const cleanup = new DeviceInboxCleanup(toDevice, clock, tasks);
    return { sweepCalls, expiryCalls, scheduled, cleanup };
  };

  it('sweeps the inbox from its start, each step where the last one stopped, to the end', async () => {
    const { sweepCalls, cleanup } = setup([
      { deleted: 3, scannedUpTo: 40 },
      { deleted: 0, scannedUpTo: 95 },
      { deleted: 2, scannedUpTo: null },
      { deleted: 99, scannedUpTo: null },
    ]);
    expect(await cleanup.sweepInbox()).toBe(5);
    expect(sweepCalls).toEqual([
      [0, full],
      [40, full],
      [95, full],
    ]);
  });

  it('expires to-device txn ids as old as event txn ids expire, until a batch comes back short', async () => {
    const { expiryCalls, cleanup } = setup([], [full, 4, 99]);
    expect(await cleanup.expireTxnIds()).toBe(full + 4);
    const cut = now - TXN_LIFETIME_MS;
    expect(expiryCalls).toEqual([
      [cut, full],
      [cut, full],
    ]);
  });

  it('is two background tasks', () => {
    const { scheduled, cleanup } = setup([]);
    cleanup.onModuleInit();
    expect(scheduled).toEqual(['sweep_device_inbox', 'expire_to_device_txn_ids']);
  });
});
