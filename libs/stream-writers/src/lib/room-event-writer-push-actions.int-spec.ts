import { Logger } from '@nestjs/common';

import { generateSigningKey, getRoomVersion, type RoomVersion } from '@chat/protocol';
import { openDatabase, type NewRoomEvent, type PushActionRow, type Storage } from '@chat/storage';
import { createTestDatabase, type TestDatabase } from '@chat/testing';

import type { EventDraft } from './event-draft';
import { RoomEventWriter } from './room-event-writer';

const V11 = getRoomVersion('11') as RoomVersion;
const OWNER = '@owner:test';
const READER = '@reader:test';

function message(body: string): EventDraft {
  return { type: 'm.room.message', sender: OWNER, content: { msgtype: 'm.text', body } };
}

describe.each(['sqlite', 'postgres'] as const)('RoomEventWriter push actions (%s)', (engine) => {
  let database: TestDatabase;
  let storage: Storage;
  let writer: RoomEventWriter;
  /** What the hook does; each test sets it. */
  let hook: (roomId: string, items: readonly NewRoomEvent[]) => Promise<PushActionRow[]>;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    storage = await openDatabase(database.config, { instanceName: 'main' });
    writer = new RoomEventWriter({
      store: storage.events,
      serverName: 'test',
      signingKey: generateSigningKey(),
      instanceName: 'main',
      pushActions: (roomId, items) => hook(roomId, items),
    });
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  async function newRoom(): Promise<string> {
    hook = async () => [];
    const { roomId } = await writer.createRoom(
      V11,
      { type: 'm.room.create', stateKey: '', sender: OWNER, content: { room_version: V11.id } },
      [{ type: 'm.room.member', stateKey: OWNER, sender: OWNER, content: { membership: 'join' } }],
    );
    return roomId;
  }

  it('stores the hook’s rows with their events, in event stream order', async () => {
    const roomId = await newRoom();
    const seen: string[] = [];
    hook = async (hookRoomId, items) => {
      seen.push(hookRoomId);
      return items.map(({ event }) => ({
        eventId: event.eventId,
        userId: READER,
        notify: true,
        highlight: event.content['body'] === 'urgent',
        threadId: null,
      }));
    };
    const [first] = await writer.send(roomId, [message('first')]);
    await writer.send(roomId, [message('urgent'), message('third')]);
    expect(seen).toEqual([roomId, roomId]);
    expect((await storage.pushActions.getUnreadCounts(READER, [roomId])).get(roomId)).toEqual({
      notifications: 3,
      highlights: 1,
    });

    await storage.receipts.upsertReceipt({
      roomId,
      receiptType: 'm.read',
      userId: READER,
      threadId: '',
      eventId: first.eventId,
      data: {},
    });
    expect((await storage.pushActions.getUnreadCounts(READER, [roomId])).get(roomId)).toEqual({
      notifications: 2,
      highlights: 1,
    });
  });

  it('writes the events without actions when the hook fails', async () => {
    const roomId = await newRoom();
    hook = async () => {
      throw new Error('rules unavailable');
    };
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const [written] = await writer.send(roomId, [message('still stored')]);
    expect(logged).toHaveBeenCalledWith(
      expect.stringContaining('push actions'),
      expect.stringContaining('rules unavailable'),
    );
    logged.mockRestore();
    expect((await storage.events.getEvents([written.eventId])).get(written.eventId)).toBeDefined();
    expect(await storage.events.getForwardExtremities(roomId)).toEqual([written.eventId]);
    expect((await storage.pushActions.getUnreadCounts(READER, [roomId])).get(roomId)).toEqual({
      notifications: 0,
      highlights: 0,
    });
  });
});
