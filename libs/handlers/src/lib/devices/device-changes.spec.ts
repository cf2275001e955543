import type { HomeserverConfig } from '@chat/config';
import type { Database, DeviceStore, Txn } from '@chat/storage';

import type { AccessTokenService } from '../accounts/access-token.service';
import { StreamWrites } from '../common/stream-writes';
import { DeviceChanges } from './device-changes';

/** Device changes on `self`, with device lists written by main; `log` tells what ran where. */
function setup(self: string) {
  const log: string[] = [];
  let txns = 0;
  const database = {
    runInteraction: async <T>(name: string, fn: (txn: Txn) => Promise<T>): Promise<T> => {
      const txn = `txn${++txns}` as unknown as Txn;
      log.push(`begin ${name} (${String(txn)})`);
      const result = await fn(txn);
      log.push(`commit ${String(txn)}`);
      return result;
    },
  } as unknown as Database;
  const within = (txn?: Txn) => (txn ? ` in ${String(txn)}` : '');
  const devices = {
    upsertDevice: async (userId: string, deviceId: string, _name: unknown, txn?: Txn) => {
      log.push(`add ${deviceId}${within(txn)}`);
      return true;
    },
    setDisplayName: async (_userId: string, deviceId: string, name: unknown) => {
      log.push(`rename ${deviceId} ${String(name)}`);
      return true;
    },
    deleteDevices: async (_userId: string, deviceIds: string[]) => {
      log.push(`delete ${deviceIds.join(',')}`);
      return deviceIds;
    },
    deleteAllDevices: async (_userId: string, except?: string, txn?: Txn) => {
      log.push(`delete all but ${String(except)}${within(txn)}`);
      return [];
    },
  } as unknown as DeviceStore;
  const tokens = {
    issue: async (_userId: string, deviceId: string, txn?: Txn) => {
      log.push(`token for ${deviceId}${within(txn)}`);
      return { token: `token-${deviceId}`, id: 1 };
    },
  } as unknown as AccessTokenService;
  const config = {
    workerName: self === 'main' ? undefined : self,
    streamWriters: { device_lists: ['main'] },
  } as unknown as HomeserverConfig;
  const writes = new StreamWrites(config, {
    write: async (writer, op, body) => {
      log.push(`${op} on ${writer}: ${JSON.stringify(body)}`);
      return op === 'device_login' ? { access_token: 'token-from-main' } : {};
    },
  });
  const changes = new DeviceChanges(database, devices, tokens, writes);
  return { changes, writes, database, log };
}

describe('DeviceChanges', () => {
  it('on a device_lists writer, adds a device and its token in the caller’s transaction', async () => {
    const { changes, database, log } = setup('main');
    expect(changes.local).toBe(true);
    const token = await database.runInteraction('create_user', (txn) =>
      changes.login('@u:x', 'D1', null, txn),
    );
    expect(token).toBe('token-D1');
    expect(log).toEqual([
      'begin create_user (txn1)',
      'add D1 in txn1',
      'token for D1 in txn1',
      'commit txn1',
    ]);
  });

  it('on a writer, runs what another process forwards in one transaction of its own', async () => {
    const { writes, log } = setup('main');
    expect(
      await writes.runHere('device_login', { user_id: '@u:x', device_id: 'D2', display_name: 'p' }),
    ).toEqual({ access_token: 'token-D2' });
    expect(log).toEqual([
      'begin device_login (txn1)',
      'add D2 in txn1',
      'token for D2 in txn1',
      'commit txn1',
    ]);
  });

  it('elsewhere, has the writer make every change, and joins no transaction', async () => {
    const { changes, log } = setup('worker1');
    expect(changes.local).toBe(false);
    expect(await changes.login('@u:x', 'D1', 'phone', undefined)).toBe('token-from-main');
    await changes.rename('@u:x', 'D1', 'laptop');
    await changes.delete('@u:x', ['D1']);
    await changes.delete('@u:x', []);
    await changes.deleteAll('@u:x');
    expect(log).toEqual([
      'device_login on main: {"user_id":"@u:x","device_id":"D1","display_name":"phone"}',
      'device_rename on main: {"user_id":"@u:x","device_id":"D1","display_name":"laptop"}',
      'devices_delete on main: {"user_id":"@u:x","device_ids":["D1"]}',
      'devices_delete_all on main: {"user_id":"@u:x"}',
    ]);
    await expect(changes.login('@u:x', 'D3', null, 'txn' as unknown as Txn)).rejects.toThrow(
      'device changes join a transaction only on a device_lists writer',
    );
  });

  it('deletes the devices along with an account change: together on a writer, first elsewhere', async () => {
    const change = (log: string[]) => async (txn: Txn) => {
      log.push(`change in ${String(txn)}`);
    };
    const writer = setup('main');
    await writer.changes.deleteAllAlong('change_password', '@u:x', 'KEEP', change(writer.log));
    expect(writer.log).toEqual([
      'begin change_password (txn1)',
      'change in txn1',
      'delete all but KEEP in txn1',
      'commit txn1',
    ]);

    const worker = setup('worker1');
    await worker.changes.deleteAllAlong('deactivate', '@u:x', undefined, change(worker.log));
    expect(worker.log).toEqual([
      'devices_delete_all on main: {"user_id":"@u:x"}',
      'begin deactivate (txn1)',
      'change in txn1',
      'commit txn1',
    ]);
  });
});
