import type { HomeserverConfig } from '@chat/config';
import type { AccountStore, EventStore, PresenceRecord, PresenceStore } from '@chat/storage';

import type { Clock } from '../common/clock';
import { StreamWrites, type RemoteStreamWriters } from '../common/stream-writes';
import {
  PresenceService,
  SYNC_ONLINE_TIMEOUT_MS,
  SYNC_SOURCE_EXPIRY_MS,
  SYNC_STOP_DELAY_MS,
} from './presence.service';
import type { StreamNotifier } from './stream-notifier';

const ANN = '@ann:x';

/**
 * A presence service on `self`, with presence written by `presenceWriter`; `reach` is how a
 * relay to another process ends (it is recorded in `relayed` either way).
 */
function setup(
  self: string,
  presenceWriter: string,
  reach: () => Promise<void> = () => Promise.resolve(),
) {
  let now = 1_000_000;
  const stored = new Map<string, Omit<PresenceRecord, 'streamId'>>();
  const relayed: unknown[] = [];
  const remote: RemoteStreamWriters = {
    write: async (_writer, _op, body) => {
      relayed.push(body);
      await reach();
    },
  };
  const config = {
    usePresence: true,
    workerName: self === 'main' ? undefined : self,
    streamWriters: { presence: [presenceWriter] },
  } as unknown as HomeserverConfig;
  const service = new PresenceService(
    config,
    {
      getPresence: async (userId: string) => {
        const record = stored.get(userId);
        return record ? { ...record, streamId: 1 } : null;
      },
      setPresence: async (record: Omit<PresenceRecord, 'streamId'>) => {
        stored.set(record.userId, record);
        return 1;
      },
    } as unknown as PresenceStore,
    {} as EventStore,
    {} as AccountStore,
    { now: () => now } as Clock,
    { presenceChanged: async () => undefined } as unknown as StreamNotifier,
    new StreamWrites(config, remote),
  );
  const reports: Array<[string, boolean, number]> = [];
  service.onSyncingChange((userId, syncing, at) => reports.push([userId, syncing, at]));
  return {
    service,
    stored,
    relayed,
    reports,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

describe('PresenceService on the presence writer', () => {
  it('keeps a user online while another process reports them syncing, then times them out', async () => {
    const { service, stored, advance, now } = setup('main', 'main');
    const ended = await service.syncStarted(ANN, 'online');
    ended();
    expect(stored.get(ANN)?.state).toBe('online');
    service.remoteSyncChanged('worker-boot-1', ANN, true, 0);
    advance(SYNC_ONLINE_TIMEOUT_MS * 3);
    await service.expireStoppedSyncs();
    expect(stored.get(ANN)?.state).toBe('online');
    expect(service.isSyncing(ANN)).toBe(true);

    service.remoteSyncChanged('worker-boot-1', ANN, false, now());
    expect(service.isSyncing(ANN)).toBe(false);
    advance(SYNC_ONLINE_TIMEOUT_MS + 1);
    await service.expireStoppedSyncs();
    expect(stored.get(ANN)?.state).toBe('offline');
  });

  it('forgets the reports of a process that cleared them or went silent', async () => {
    const { service, advance } = setup('main', 'main');
    service.remoteSyncChanged('boot-a', ANN, true, 0);
    service.remoteSyncChanged('boot-b', '@ben:x', true, 0);
    service.syncSourceGone('boot-a');
    expect(service.isSyncing(ANN)).toBe(false);
    expect(service.isSyncing('@ben:x')).toBe(true);
    advance(SYNC_SOURCE_EXPIRY_MS + 1);
    await service.expireStoppedSyncs();
    expect(service.isSyncing('@ben:x')).toBe(false);
  });
});

describe('PresenceService elsewhere', () => {
  it('relays sync activity and status to the writer, never storing presence itself', async () => {
    const { service, stored, relayed } = setup('worker1', 'main');
    const ended = await service.syncStarted(ANN, 'online');
    // Another sync soon after, in the same state: nothing new to relay.
    (await service.syncStarted(ANN, 'online'))();
    ended();
    await service.setStatus({ userId: ANN, deviceId: 'D', isGuest: false, accessTokenId: 1 }, ANN, {
      presence: 'unavailable',
      status_msg: 'away',
    });
    expect(relayed).toEqual([
      { user_id: ANN, state: 'online', status_msg: null, is_sync: true },
      { user_id: ANN, state: 'unavailable', status_msg: 'away', is_sync: false },
    ]);
    expect(stored.size).toBe(0);
  });

  it('holds a sync at most a second while the writer does not answer', async () => {
    const { service, relayed } = setup('worker1', 'main', () => new Promise(() => undefined));
    jest.useFakeTimers();
    const started = service.syncStarted(ANN, 'online');
    await jest.advanceTimersByTimeAsync(1_000);
    jest.useRealTimers();
    const ended = await started;
    ended();
    expect(relayed).toEqual([{ user_id: ANN, state: 'online', status_msg: null, is_sync: true }]);
  });

  it('relays again on the next sync when a relay failed', async () => {
    let attempts = 0;
    const { service, relayed } = setup('worker1', 'main', async () => {
      if (++attempts === 1) throw new Error('writer unreachable');
    });
    (await service.syncStarted(ANN, 'online'))();
    await new Promise((resolve) => setImmediate(resolve));
    (await service.syncStarted(ANN, 'online'))();
    expect(relayed).toHaveLength(2);
  });

  it('reports a user syncing once, and over only after the stop delay', async () => {
    const { service, reports, advance, now } = setup('worker1', 'main');
    const first = await service.syncStarted(ANN, 'online');
    const second = await service.syncStarted(ANN, 'online');
    first();
    second();
    const endedAt = now();
    expect(reports).toEqual([[ANN, true, endedAt]]);
    expect(service.syncingUsers()).toEqual([ANN]);

    advance(SYNC_STOP_DELAY_MS - 1);
    await service.expireStoppedSyncs();
    expect(reports).toHaveLength(1);
    advance(1);
    await service.expireStoppedSyncs();
    expect(reports).toEqual([
      [ANN, true, endedAt],
      [ANN, false, endedAt],
    ]);
    expect(service.syncingUsers()).toEqual([]);
  });
});
