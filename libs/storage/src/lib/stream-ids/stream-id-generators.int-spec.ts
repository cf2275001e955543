import { STREAM_NAMES } from '@chat/streams';
import { testDatabaseConfigs, type TestDatabase } from '@chat/testing';
import { openDatabase, type Storage } from '../open-database';

const deviceLists = STREAM_NAMES.deviceLists;

describe.each(testDatabaseConfigs())('stream ids on %s', (engine, create) => {
  let testDb: TestDatabase;
  const opened: Storage[] = [];
  const open = async (instanceName: string, writers?: string[]) => {
    const storage = await openDatabase(testDb.config, {
      instanceName,
      streamWriters: writers ? { [deviceLists]: writers } : undefined,
    });
    opened.push(storage);
    return storage;
  };

  beforeEach(async () => {
    testDb = await create();
  });

  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close();
    await testDb.drop();
  });

  it('continue after a restart from where the stream was', async () => {
    const first = await open('main');
    expect(first.devices.deviceListsPosition()).toBe(1);
    await first.devices.upsertDevice('@a:test', 'A1', null);
    await first.devices.upsertDevice('@a:test', 'A2', null);
    expect(first.devices.deviceListsPosition()).toBe(3);
    await first.close();

    const second = await open('main');
    expect(second.devices.deviceListsPosition()).toBe(3);
    await second.devices.upsertDevice('@a:test', 'A3', null);
    const changes = await second.devices.getDeviceListChanges(0, 10);
    expect(changes.map((c) => c.streamId)).toEqual([2, 3, 4]);
  });

  it('map instance names to stable small ids', async () => {
    const storage = await open('main');
    const a = await storage.instanceIds.idFor('persister1');
    const b = await storage.instanceIds.idFor('persister2');
    expect(a).not.toBe(b);
    expect(await storage.instanceIds.idFor('persister1')).toBe(a);
    await storage.close();
    const reopened = await open('main');
    expect(await reopened.instanceIds.nameFor(b)).toBe('persister2');
    expect(await reopened.instanceIds.idFor('persister2')).toBe(b);
    expect(await reopened.instanceIds.nameFor(9999)).toBeNull();
  });

  if (engine === 'sqlite') {
    it('refuse writers other than this process', async () => {
      await expect(open('main', ['main', 'worker1'])).rejects.toThrow(/SQLite supports a single/);
    });
  } else {
    it('share one sequence between two writers that exchange positions', async () => {
      const writers = ['w1', 'w2'];
      const w1 = await open('w1', writers);
      const w2 = await open('w2', writers);
      const g1 = w1.idGenerators.get(deviceLists);
      const g2 = w2.idGenerators.get(deviceLists);

      await w1.devices.upsertDevice('@a:test', 'A1', null); // id 2
      await w2.devices.upsertDevice('@b:test', 'B1', null); // id 3
      await w1.devices.upsertDevice('@a:test', 'A2', null); // id 4
      expect(g1.currentTokenFor('w1')).toBe(4);
      // w2 has not heard from w1: w1's ids could still be in flight as far as w2 knows.
      expect(g2.currentToken()).toBe(1);

      g2.advance('w1', g1.currentTokenFor('w1'));
      expect(g2.currentToken()).toBe(4);
      g1.advance('w2', g2.currentTokenFor('w2'));
      expect(g1.currentToken()).toBe(4);

      const rows = await w2.devices.getDeviceListChanges(0, g2.currentToken());
      expect(rows.map((r) => [r.streamId, r.deviceId])).toEqual([
        [2, 'A1'],
        [3, 'B1'],
        [4, 'A2'],
      ]);
      const positions = await w1.database.query<{ instance_name: string; stream_id: number }>(
        'SELECT instance_name, stream_id FROM stream_positions WHERE stream_name = $1 ORDER BY 1',
        [deviceLists],
      );
      expect(positions).toEqual([
        { instance_name: 'w1', stream_id: 4 },
        { instance_name: 'w2', stream_id: 3 },
      ]);

      // A third process starting now sees every writer's persisted position.
      const reader = await open('reader', writers);
      expect(reader.idGenerators.get(deviceLists).currentToken()).toBe(4);
      // It allocates no ids, so it changes no device: a change never commits without its rows.
      await expect(reader.devices.upsertDevice('@c:test', 'C1', null)).rejects.toThrow(
        /not a writer/,
      );
      expect(await reader.devices.getDevice('@c:test', 'C1')).toBeNull();
      expect(await reader.devices.getDeviceListChanges(4, Number.MAX_SAFE_INTEGER)).toEqual([]);
    });

    it('refuse to start when the sequence is behind its table', async () => {
      const storage = await open('main');
      await storage.devices.upsertDevice('@a:test', 'A1', null);
      await storage.devices.upsertDevice('@a:test', 'A2', null);
      await storage.database.query(`SELECT setval('device_lists_sequence', 2)`);
      await storage.close();
      await expect(open('main')).rejects.toThrow(
        /device_lists_sequence \(last value 2\) is behind .* \(3\).*setval\('device_lists_sequence', 3\)/s,
      );
    });
  }
});
