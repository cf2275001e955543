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

  describe('for deleted devices', () => {
    const sender = { userId: '@a:test', deviceId: 'ADEV' };
    let sends = 0;
    /** One send (one stream id) to each of `recipients`, as `[user, device]`. */
    const send = async (...recipients: Array<[string, string]>) => {
      const messages = recipients.map(([userId, deviceId]) => ({
        userId,
        deviceId,
        type: 'm.test',
        content: {},
      }));
      const { streamId } = await storage.toDevice.addMessages(sender, `gone-${sends++}`, messages);
      return streamId as number;
    };
    const queuedFor = async (userId: string) =>
      (
        await storage.database.query<{ device_id: string; stream_id: number | string }>(
          'SELECT device_id, stream_id FROM device_inbox WHERE user_id = $1 ORDER BY stream_id, device_id',
          [userId],
        )
      ).map((row) => [row.device_id, Number(row.stream_id)]);
    const txnIdsOf = async (userId: string) =>
      (
        await storage.database.query<{ device_id: string }>(
          'SELECT device_id FROM to_device_txn_ids WHERE user_id = $1 ORDER BY device_id',
          [userId],
        )
      ).map((row) => row.device_id);

    it("takes a deleted device's inbox and send txn ids along, in its transaction", async () => {
      const user = '@e:test';
      for (const id of ['E1', 'E2', 'E3']) await storage.devices.upsertDevice(user, id, null);
      const first = await send([user, 'E1'], [user, 'E2'], [user, 'E3']);
      await storage.toDevice.addMessages({ userId: user, deviceId: 'E1' }, 'from-e1', []);
      await storage.toDevice.addMessages({ userId: user, deviceId: 'E2' }, 'from-e2', []);

      await expect(
        storage.database.runInteraction('deleteThenFail', async (txn) => {
          await storage.devices.deleteDevices(user, ['E1'], txn);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await queuedFor(user)).toHaveLength(3);

      await storage.devices.deleteDevices(user, ['E1']);
      expect(await queuedFor(user)).toEqual([
        ['E2', first],
        ['E3', first],
      ]);
      expect(await txnIdsOf(user)).toEqual(['E2']);
      await storage.devices.deleteAllDevices(user, 'E3');
      expect(await queuedFor(user)).toEqual([['E3', first]]);
      expect(await txnIdsOf(user)).toEqual([]);
      await storage.devices.deleteAllDevices(user);
      expect(await queuedFor(user)).toEqual([]);
    });

    it('gives a new device nothing queued for an earlier device with its id', async () => {
      const user = '@f:test';
      // Left behind: queued for F1 while it was being deleted, or before deletions took it along.
      const stale = await send([user, 'F1']);
      await storage.toDevice.addMessages({ userId: user, deviceId: 'F1' }, 'reused', []);
      await storage.devices.upsertDevice(user, 'F1', null);
      expect(await queuedFor(user)).toEqual([]);
      expect(
        (await storage.toDevice.addMessages({ userId: user, deviceId: 'F1' }, 'reused', []))
          .duplicate,
      ).toBe(false);
      // An existing device keeps its inbox when it logs in again.
      const fresh = await send([user, 'F1']);
      expect(await storage.devices.upsertDevice(user, 'F1', null)).toBe(false);
      expect(await queuedFor(user)).toEqual([['F1', fresh]]);
      expect(fresh).toBeGreaterThan(stale);
    });

    it('sweeps the messages of missing devices in bounded steps, whole stream ids at a time', async () => {
      const [live, gone] = ['@g:test', '@h:test'];
      await storage.devices.upsertDevice(live, 'G1', null);
      const start = storage.idGenerators.get(STREAM_NAMES.toDevice).currentToken();
      const ids = [
        await send([live, 'G1'], [gone, 'H1']),
        await send([gone, 'H1']),
        await send([live, 'G1'], [live, 'G-never'], [gone, 'H2']),
        await send([live, 'G1']),
      ];
      const step = (after: number) => storage.toDevice.deleteMessagesForMissingDevices(after, 2);
      // Two rows reach the first id only; the second step's window ends inside the third send,
      // which it takes whole.
      expect(await step(start)).toEqual({ deleted: 1, scannedUpTo: ids[0] });
      expect(await queuedFor(gone)).toEqual([
        ['H1', ids[1]],
        ['H2', ids[2]],
      ]);
      expect(await step(ids[0])).toEqual({ deleted: 3, scannedUpTo: ids[2] });
      // The last window is short: the end of the inbox.
      expect(await step(ids[2])).toEqual({ deleted: 0, scannedUpTo: null });
      expect(await step(ids[3])).toEqual({ deleted: 0, scannedUpTo: null });
      expect(await queuedFor(gone)).toEqual([]);
      expect(await queuedFor(live)).toEqual([
        ['G1', ids[0]],
        ['G1', ids[2]],
        ['G1', ids[3]],
      ]);
    });

    it('never moves the stream back when the sweep deletes the newest messages', async () => {
      const position = await send(['@i:test', 'I1']);
      expect(await storage.toDevice.deleteMessagesForMissingDevices(position - 1, 10)).toEqual({
        deleted: 1,
        scannedUpTo: null,
      });
      await storage.database.query('DELETE FROM device_inbox');
      await storage.close();
      storage = await openDatabase(testDb.config, { instanceName: 'main' });
      expect(await send(['@i:test', 'I1'])).toBeGreaterThan(position);
    });

    it('expires send txn ids older than the cut-off, a batch of the oldest at a time', async () => {
      const user = '@j:test';
      for (const [txnId, createdTs] of [
        ['old-1', 100],
        ['old-2', 200],
        ['old-3', 200],
        ['old-4', 300],
        ['recent', 5000],
      ] as const) {
        await storage.toDevice.addMessages({ userId: user, deviceId: 'J1' }, txnId, []);
        await storage.database.query(
          'UPDATE to_device_txn_ids SET created_ts = $1 WHERE user_id = $2 AND txn_id = $3',
          [createdTs, user, txnId],
        );
      }
      const left = async () =>
        (
          await storage.database.query<{ txn_id: string }>(
            'SELECT txn_id FROM to_device_txn_ids WHERE user_id = $1 ORDER BY txn_id',
            [user],
          )
        ).map((row) => row.txn_id);
      // A batch of two ends at the second oldest, and takes the other id of the same age along.
      expect(await storage.toDevice.expireTxnIds(1000, 2)).toBe(3);
      expect(await left()).toEqual(['old-4', 'recent']);
      expect(await storage.toDevice.expireTxnIds(1000, 2)).toBe(1);
      expect(await storage.toDevice.expireTxnIds(1000, 2)).toBe(0);
      expect(await left()).toEqual(['recent']);
      // An expired id is a new request again.
      expect(
        (await storage.toDevice.addMessages({ userId: user, deviceId: 'J1' }, 'old-1', []))
          .duplicate,
      ).toBe(false);
    });
  });
});
