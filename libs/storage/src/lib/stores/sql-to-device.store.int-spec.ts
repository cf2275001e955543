import { STREAM_NAMES } from '@chat/streams';
import { testDatabaseConfigs, type TestDatabase } from '@chat/testing';
import { openDatabase, type Storage } from '../open-database';

describe.each(testDatabaseConfigs())('ToDeviceStore on %s', (_engine, create) => {
  let testDb: TestDatabase;
  let storage: Storage;

  beforeAll(async () => {
    testDb = await create();
    storage = await openDatabase(testDb.config, { instanceName: 'main' });
  });

  afterAll(async () => {
    await storage.close();
    await testDb.drop();
  });

  const inbox = () =>
    storage.database.query<{
      user_id: string;
      device_id: string;
      stream_id: number;
      message_json: string;
    }>(
      'SELECT user_id, device_id, stream_id, message_json FROM device_inbox ORDER BY stream_id, user_id, device_id',
    );

  it('queues a send under one stream id and ignores a retried transaction', async () => {
    const sender = { userId: '@a:test', deviceId: 'ADEV' };
    const messages = [
      { userId: '@b:test', deviceId: 'B1', type: 'm.room_key_request', content: { n: 1 } },
      { userId: '@b:test', deviceId: 'B2', type: 'm.room_key_request', content: { n: 2 } },
    ];
    const first = await storage.toDevice.addMessages(sender, 't1', messages);
    expect(first.duplicate).toBe(false);
    const again = await storage.toDevice.addMessages(sender, 't1', messages);
    expect(again).toEqual({ streamId: null, duplicate: true });
    const second = await storage.toDevice.addMessages(sender, 't2', messages.slice(0, 1));
    expect(second.streamId).toBeGreaterThan(first.streamId as number);
    // The same txn id from another device is another request.
    expect(
      (await storage.toDevice.addMessages({ ...sender, deviceId: 'OTHER' }, 't1', [])).duplicate,
    ).toBe(false);
    const rows = await inbox();
    expect(rows.map((r) => [r.device_id, Number(r.stream_id)])).toEqual([
      ['B1', first.streamId],
      ['B2', first.streamId],
      ['B1', second.streamId],
    ]);
    expect(JSON.parse(rows[0].message_json)).toEqual({
      sender: '@a:test',
      type: 'm.room_key_request',
      content: { n: 1 },
    });
  });

  it('reads a device inbox in order and deletes what a sync acknowledged', async () => {
    const sender = { userId: '@a:test', deviceId: 'ADEV' };
    const to = (n: number) => [
      { userId: '@c:test', deviceId: 'C1', type: 'm.test', content: { n } },
    ];
    const ids: number[] = [];
    for (let n = 0; n < 3; n++) {
      ids.push((await storage.toDevice.addMessages(sender, `read-${n}`, to(n))).streamId as number);
    }
    const all = await storage.toDevice.getMessagesForDevice('@c:test', 'C1', 0, ids[2], 10);
    expect(all.map((m) => [m.streamId, m.content])).toEqual(ids.map((id, n) => [id, { n }]));
    const page = await storage.toDevice.getMessagesForDevice('@c:test', 'C1', ids[0], ids[2], 1);
    expect(page.map((m) => m.streamId)).toEqual([ids[1]]);
    await storage.toDevice.deleteMessagesForDevice('@c:test', 'C1', ids[1]);
    const left = await storage.toDevice.getMessagesForDevice('@c:test', 'C1', 0, ids[2], 10);
    expect(left.map((m) => m.streamId)).toEqual([ids[2]]);
  });

  it('never moves the stream back when its newest messages are deleted and the server restarts', async () => {
    const sent = await storage.toDevice.addMessages(
      { userId: '@a:test', deviceId: 'ADEV' },
      'last',
      [{ userId: '@d:test', deviceId: 'D1', type: 'm.test', content: {} }],
    );
    const position = sent.streamId as number;
    await storage.toDevice.deleteMessagesForDevice('@d:test', 'D1', position);
    // Other devices' older messages are gone too: the tables alone no longer know the position.
    await storage.database.query('DELETE FROM device_inbox');
    await storage.close();
    storage = await openDatabase(testDb.config, { instanceName: 'main' });
    expect(storage.idGenerators.get(STREAM_NAMES.toDevice).currentToken()).toBeGreaterThanOrEqual(
      position,
    );
    const next = await storage.toDevice.addMessages(
      { userId: '@a:test', deviceId: 'ADEV' },
      'after',
      [{ userId: '@d:test', deviceId: 'D1', type: 'm.test', content: {} }],
    );
    expect(next.streamId).toBeGreaterThan(position);
  });
});
