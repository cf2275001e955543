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
});
