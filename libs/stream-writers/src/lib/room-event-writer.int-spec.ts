import {
  authEventKeys,
  generateSigningKey,
  getRoomVersion,
  MatrixError,
  stateMapKey,
  type RoomVersion,
} from '@chat/protocol';
import { openDatabase, type Storage } from '@chat/storage';
import { createTestDatabase, type TestDatabase } from '@chat/testing';

import type { EventDraft } from './event-draft';
import { RoomEventWriter } from './room-event-writer';

const V12 = getRoomVersion('12') as RoomVersion;
const V10 = getRoomVersion('10') as RoomVersion;

function member(sender: string, membership: string, target = sender): EventDraft {
  return { type: 'm.room.member', stateKey: target, sender, content: { membership } };
}

function message(sender: string, body: string): EventDraft {
  return { type: 'm.room.message', sender, content: { msgtype: 'm.text', body } };
}

describe.each(['sqlite', 'postgres'] as const)('RoomEventWriter (%s)', (engine) => {
  let database: TestDatabase;
  let storage: Storage;
  let writer: RoomEventWriter;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    storage = await openDatabase(database.config, { instanceName: 'main' });
    writer = new RoomEventWriter({
      store: storage.events,
      serverName: 'test',
      signingKey: generateSigningKey(),
      instanceName: 'main',
    });
  });

  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  async function publicRoom(version: RoomVersion, creator: string): Promise<string> {
    const { roomId } = await writer.createRoom(
      version,
      {
        type: 'm.room.create',
        stateKey: '',
        sender: creator,
        content: version.implicitCreator
          ? { room_version: version.id }
          : { room_version: version.id, creator },
      },
      [
        member(creator, 'join'),
        {
          type: 'm.room.power_levels',
          stateKey: '',
          sender: creator,
          content: { users: version.creatorsInfinitePower ? {} : { [creator]: 100 } },
        },
        {
          type: 'm.room.join_rules',
          stateKey: '',
          sender: creator,
          content: { join_rule: 'public' },
        },
      ],
    );
    return roomId;
  }

  it('keeps one forward extremity per room and cites the prescribed auth events under concurrency', async () => {
    const rooms = await Promise.all(
      Array.from({ length: 50 }, (_, i) => publicRoom(i % 2 ? V12 : V10, `@owner${i}:test`)),
    );
    const senders = Array.from({ length: 10 }, (_, i) => `@sender${i}:test`);
    await Promise.all(
      rooms.flatMap((roomId) => senders.map((s) => writer.send(roomId, [member(s, 'join')]))),
    );
    await Promise.all(
      rooms.flatMap((roomId) =>
        senders.map(async (s) => {
          for (let n = 0; n < 3; n++) await writer.send(roomId, [message(s, `m${n}`)]);
        }),
      ),
    );

    for (const roomId of rooms) {
      expect(await storage.events.getForwardExtremities(roomId)).toHaveLength(1);
      const page = await storage.events.getRoomEventsPage(
        roomId,
        { topological: Number.MAX_SAFE_INTEGER, stream: 0 },
        'b',
        1000,
      );
      expect(page).toHaveLength(4 + 10 + 30);
      const byId = new Map(page.map((s) => [s.event.eventId, s]));
      for (const stored of page) {
        const { event } = stored;
        if (event.type === 'm.room.create') continue;
        // The state before the event is the state after its single prev event.
        expect(event.prevEventIds).toHaveLength(1);
        const prev = byId.get(event.prevEventIds[0]);
        const stateBefore = await storage.events.getStateGroupState(prev?.stateGroup as number);
        const expected = authEventKeys(event, event.version).flatMap(([type, key]) => {
          const id = stateBefore.get(stateMapKey(type, key));
          return id ? [id] : [];
        });
        expect([...event.authEventIds].sort()).toEqual([...new Set(expected)].sort());
        expect(event.depth).toBe((prev?.event.depth ?? 0) + 1);
      }
    }
  }, 120_000);

  it('refuses an event that fails authorization with 403 and keeps the room writable', async () => {
    const roomId = await publicRoom(V12, '@boss:test');
    const refused = writer.send(roomId, [message('@stranger:test', 'hi')]);
    await expect(refused).rejects.toBeInstanceOf(MatrixError);
    await expect(refused).rejects.toMatchObject({ status: 403, errcode: 'M_FORBIDDEN' });
    const [ok] = await writer.send(roomId, [message('@boss:test', 'still here')]);
    expect(ok.eventId).toMatch(/^\$/);
    expect(await storage.events.getForwardExtremities(roomId)).toEqual([ok.eventId]);
  });

  it('writes a unit all-or-nothing', async () => {
    const roomId = await publicRoom(V12, '@unit:test');
    const before = await storage.events.getForwardExtremities(roomId);
    await expect(
      writer.send(roomId, [message('@unit:test', 'first'), message('@outsider:test', 'second')]),
    ).rejects.toMatchObject({ status: 403 });
    expect(await storage.events.getForwardExtremities(roomId)).toEqual(before);
  });

  it('returns the same event for a repeated transaction id, even when sent concurrently', async () => {
    const roomId = await publicRoom(V12, '@txn:test');
    const txn = { userId: '@txn:test', deviceId: 'DEV', scope: `send/${roomId}`, txnId: 't1' };
    const draft: EventDraft = { ...message('@txn:test', 'once'), txn };
    const [a, b] = await Promise.all([writer.send(roomId, [draft]), writer.send(roomId, [draft])]);
    const [c] = await writer.send(roomId, [draft]);
    expect(b[0].eventId).toBe(a[0].eventId);
    expect(c.eventId).toBe(a[0].eventId);
    expect(c.deduplicated).toBe(true);
  });

  it('refuses an event larger than 64 KiB with 413 M_TOO_LARGE', async () => {
    const roomId = await publicRoom(V12, '@big:test');
    await expect(
      writer.send(roomId, [message('@big:test', 'x'.repeat(70_000))]),
    ).rejects.toMatchObject({ status: 413, errcode: 'M_TOO_LARGE' });
  });

  it('tells listeners about each written batch, in stream order, after it committed', async () => {
    const roomId = await publicRoom(V12, '@listen:test');
    const seen: Array<{ eventId: string; streamOrdering: number }> = [];
    const stop = writer.onPersisted((room, events) => {
      expect(room).toBe(roomId);
      for (const s of events)
        seen.push({ eventId: s.event.eventId, streamOrdering: s.streamOrdering });
    });
    const written = await writer.send(roomId, [
      message('@listen:test', 'a'),
      message('@listen:test', 'b'),
    ]);
    stop();
    await writer.send(roomId, [message('@listen:test', 'unheard')]);
    expect(seen).toEqual(
      written.map(({ eventId, streamOrdering }) => ({ eventId, streamOrdering })),
    );
    expect(seen[1].streamOrdering).toBeGreaterThan(seen[0].streamOrdering);
    const stored = await storage.events.getEvents(seen.map((s) => s.eventId));
    expect(stored.size).toBe(2);
  });

  it('gives identical rooms created in one millisecond different ids (v12 ids hash the create event)', async () => {
    const frozen = new RoomEventWriter({
      store: storage.events,
      serverName: 'test',
      signingKey: generateSigningKey(),
      instanceName: 'main',
      now: () => 1_800_000_000_000,
    });
    const create = {
      type: 'm.room.create',
      stateKey: '',
      sender: '@twin:test',
      content: { room_version: V12.id },
    };
    const rooms = await Promise.all([
      frozen.createRoom(V12, create, [member('@twin:test', 'join')]),
      frozen.createRoom(V12, create, [member('@twin:test', 'join')]),
    ]);
    expect(new Set(rooms.map((r) => r.roomId)).size).toBe(2);
  });

  it('reports a room and its changed members as being written until the listeners ran', async () => {
    const roomId = await publicRoom(V12, '@owner:test');
    const during: boolean[] = [];
    const stop = writer.onPersisted(() => {
      during.push(writer.isWriting(roomId), writer.isWritingMembership('@joiner:test'));
    });
    await writer.send(roomId, [member('@joiner:test', 'join')]);
    stop();
    expect(during).toEqual([true, true]);
    // The marks clear when the batch's bookkeeping ends, just after its senders were answered.
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.isWriting(roomId)).toBe(false);
    expect(writer.isWritingMembership('@joiner:test')).toBe(false);
    expect(writer.isWritingMembership('@owner:test')).toBe(false);
  });

  it('answers 404 for an unknown room', async () => {
    await expect(writer.send('!nope:test', [message('@a:test', 'x')])).rejects.toMatchObject({
      status: 404,
      errcode: 'M_NOT_FOUND',
    });
  });
});
