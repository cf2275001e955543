import type { HomeserverConfig } from '@chat/config';
import type { DeviceStore, Txn } from '@chat/storage';

import { StreamWrites, type RemoteStreamWriters } from '../common/stream-writes';
import { DeviceListChanges } from './device-list-changes';

function setup(self: string) {
  const notified: unknown[] = [];
  const recorded: Array<[string, string[]]> = [];
  const remote: RemoteStreamWriters = {
    write: async (writer, op, body) => {
      notified.push([writer, op, body]);
    },
  };
  const config = {
    workerName: self === 'main' ? undefined : self,
    streamWriters: { device_lists: ['main'] },
  } as unknown as HomeserverConfig;
  const writes = new StreamWrites(config, remote);
  const devices = {
    recordDeviceListChanges: async (userId: string, deviceIds: string[]) => {
      recorded.push([userId, deviceIds]);
    },
  } as unknown as DeviceStore;
  return { changes: new DeviceListChanges(devices, writes), writes, notified, recorded };
}

describe('DeviceListChanges', () => {
  it('leaves a writer’s changes to its store, which recorded them with the change', async () => {
    const { changes, notified, recorded } = setup('main');
    await changes.changed('@u:x', ['D1']);
    expect(notified).toEqual([]);
    expect(recorded).toEqual([]);
  });

  it('elsewhere has a writer record them, after the change’s transaction commits', async () => {
    const { changes, notified } = setup('worker1');
    await changes.changed('@u:x', []);
    expect(notified).toEqual([]);

    const hooks: Array<() => void | Promise<void>> = [];
    const txn = {
      afterCommit: (fn: () => void | Promise<void>) => void hooks.push(fn),
    } as unknown as Txn;
    await changes.changed('@u:x', ['D1', 'D2'], txn);
    expect(notified).toEqual([]);
    for (const hook of hooks) await hook();
    await changes.changed('@u:x', ['D3']);
    expect(notified).toEqual([
      ['main', 'notify_device_update', { user_id: '@u:x', device_ids: ['D1', 'D2'] }],
      ['main', 'notify_device_update', { user_id: '@u:x', device_ids: ['D3'] }],
    ]);
  });

  it('records what another process sent, on the writer', async () => {
    const { writes, recorded } = setup('main');
    await writes.runHere('notify_device_update', { user_id: '@u:x', device_ids: ['D9'] });
    expect(recorded).toEqual([['@u:x', ['D9']]]);
  });
});
