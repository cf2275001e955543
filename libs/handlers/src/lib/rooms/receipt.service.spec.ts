import type { Requester } from '@chat/platform';
import { MatrixError } from '@chat/protocol';
import type {
  AccountDataStore,
  EventStore,
  ReceiptRecord,
  ReceiptStore,
  StoredEvent,
} from '@chat/storage';

import type { Clock } from '../common/clock';
import { monolithStreamWrites } from '../common/stream-writes.fixture';
import { AccountDataService } from '../sync/account-data.service';
import type { StreamNotifier } from '../sync/stream-notifier';
import { parseThreadId, ReceiptService } from './receipt.service';
import type { RoomAccessService } from './room-access.service';
import type { RoomStateService } from './room-state.service';

const ROOM = '!room:example.org';
const alice: Requester = {
  userId: '@alice:example.org',
  deviceId: 'A',
  isGuest: false,
  accessTokenId: 1,
};

/** Events by id: [stream ordering, topological ordering]. */
const EVENTS: Record<string, [number, number]> = {
  '$early:example.org': [10, 5],
  '$middle:example.org': [20, 6],
  '$late:example.org': [30, 7],
  // Backfilled: older in the room's history, yet written later.
  '$backfilled:example.org': [40, 1],
};

function stored(eventId: string, roomId = ROOM): StoredEvent {
  const [streamOrdering, topologicalOrdering] = EVENTS[eventId];
  return {
    event: { eventId, roomId },
    streamOrdering,
    topologicalOrdering,
  } as unknown as StoredEvent;
}

function setup(membership: string | null = 'join') {
  const receipts: ReceiptRecord[] = [];
  const accountData = new Map<string, Record<string, unknown>>();
  const accountDataStore = {
    getAccountData: async (_u: string, roomId: string, type: string) =>
      accountData.get(`${roomId}/${type}`) ?? null,
    putAccountData: async (_u: string, roomId: string, type: string, content: never) => {
      accountData.set(`${roomId}/${type}`, content);
      return 1;
    },
  } as unknown as AccountDataStore;
  const notifier = {
    receiptsChanged: () => undefined,
    accountDataChanged: () => undefined,
  } as unknown as StreamNotifier;
  const writes = monolithStreamWrites();
  // The read marker is room account data: its writes are the account data service's.
  new AccountDataService(accountDataStore, notifier, writes);
  const service = new ReceiptService(
    {
      getEvents: async (ids: readonly string[]) =>
        new Map(ids.filter((id) => id in EVENTS).map((id) => [id, stored(id)])),
    } as unknown as EventStore,
    {
      getReceipt: async (roomId: string, type: string, userId: string, threadId: string) =>
        receipts.find(
          (r) =>
            r.roomId === roomId &&
            r.receiptType === type &&
            r.userId === userId &&
            r.threadId === threadId,
        ) ?? null,
      upsertReceipt: async (receipt: Omit<ReceiptRecord, 'streamId'>) => {
        const at = receipts.findIndex(
          (r) =>
            r.receiptType === receipt.receiptType &&
            r.userId === receipt.userId &&
            r.threadId === receipt.threadId,
        );
        if (at >= 0) receipts.splice(at, 1);
        receipts.push({ ...receipt, streamId: receipts.length + 1 });
        return receipts.length;
      },
    } as unknown as ReceiptStore,
    accountDataStore,
    { membership: async () => membership } as unknown as RoomStateService,
    {
      visibleEvent: async (_access: unknown, eventId: string) => {
        if (eventId === '$hidden:example.org' || !(eventId in EVENTS)) {
          throw MatrixError.notFound('Event not found.');
        }
        return stored(eventId);
      },
    } as unknown as RoomAccessService,
    { now: () => 1234 } as Clock,
    notifier,
    writes,
  );
  const receiptFor = (type: string, threadId = '') =>
    receipts.find((r) => r.receiptType === type && r.threadId === threadId)?.eventId;
  const marker = () => accountData.get(`${ROOM}/m.fully_read`);
  return { service, receipts, receiptFor, marker };
}

describe('parseThreadId', () => {
  it('maps no thread to the unthreaded receipt and keeps main or a thread root', () => {
    expect(parseThreadId(undefined, 'm.read')).toBe('');
    expect(parseThreadId('main', 'm.read')).toBe('main');
    expect(parseThreadId('$root:example.org', 'm.read.private')).toBe('$root:example.org');
  });

  it.each([[''], ['thread'], [42], [null], ['!room:example.org']])(
    'refuses %p with 400 M_INVALID_PARAM',
    (threadId) => {
      expect(() => parseThreadId(threadId, 'm.read')).toThrow(
        expect.objectContaining({ status: 400, errcode: 'M_INVALID_PARAM' }),
      );
    },
  );

  it('refuses a thread on the read marker', () => {
    expect(() => parseThreadId('main', 'm.fully_read')).toThrow(
      expect.objectContaining({ status: 400, errcode: 'M_INVALID_PARAM' }),
    );
  });
});

describe('ReceiptService', () => {
  it('stores m.read and m.read.private receipts with their ts and thread', async () => {
    const { service, receipts } = setup();
    await service.sendReceipt(alice, ROOM, 'm.read', '$middle:example.org');
    await service.sendReceipt(alice, ROOM, 'm.read.private', '$early:example.org', 'main');
    expect(receipts.map(({ streamId: _, ...r }) => r)).toEqual([
      {
        roomId: ROOM,
        receiptType: 'm.read',
        userId: alice.userId,
        threadId: '',
        eventId: '$middle:example.org',
        data: { ts: 1234 },
      },
      {
        roomId: ROOM,
        receiptType: 'm.read.private',
        userId: alice.userId,
        threadId: 'main',
        eventId: '$early:example.org',
        data: { ts: 1234 },
      },
    ]);
  });

  it('ignores a receipt that does not move forward in stream order', async () => {
    const { service, receipts, receiptFor } = setup();
    await service.sendReceipt(alice, ROOM, 'm.read', '$middle:example.org');
    await service.sendReceipt(alice, ROOM, 'm.read', '$early:example.org');
    await service.sendReceipt(alice, ROOM, 'm.read', '$middle:example.org');
    expect(receipts).toHaveLength(1);
    expect(receiptFor('m.read')).toBe('$middle:example.org');
    await service.sendReceipt(alice, ROOM, 'm.read', '$late:example.org');
    expect(receiptFor('m.read')).toBe('$late:example.org');
  });

  it('keeps threads apart when comparing', async () => {
    const { service, receiptFor } = setup();
    await service.sendReceipt(alice, ROOM, 'm.read', '$late:example.org', 'main');
    await service.sendReceipt(alice, ROOM, 'm.read', '$early:example.org');
    expect(receiptFor('m.read', 'main')).toBe('$late:example.org');
    expect(receiptFor('m.read')).toBe('$early:example.org');
  });

  it('sets the read marker through m.fully_read, never backwards in the room history', async () => {
    const { service, receipts, marker } = setup();
    await service.sendReceipt(alice, ROOM, 'm.fully_read', '$middle:example.org');
    expect(marker()).toEqual({ event_id: '$middle:example.org' });
    await service.sendReceipt(alice, ROOM, 'm.fully_read', '$backfilled:example.org');
    expect(marker()).toEqual({ event_id: '$middle:example.org' });
    await service.sendReceipt(alice, ROOM, 'm.fully_read', '$late:example.org');
    expect(marker()).toEqual({ event_id: '$late:example.org' });
    expect(receipts).toEqual([]);
  });

  it('refuses unknown receipt types with 400 M_INVALID_PARAM', async () => {
    const { service } = setup();
    await expect(
      service.sendReceipt(alice, ROOM, 'm.unread', '$late:example.org'),
    ).rejects.toMatchObject({
      status: 400,
      errcode: 'M_INVALID_PARAM',
    });
  });

  it.each([null, 'leave', 'invite'])('refuses users with membership %p with 403', async (m) => {
    const { service, receipts } = setup(m);
    await expect(
      service.sendReceipt(alice, ROOM, 'm.read', '$late:example.org'),
    ).rejects.toMatchObject({
      status: 403,
      errcode: 'M_FORBIDDEN',
    });
    expect(receipts).toEqual([]);
  });

  it('answers 404 for unknown or invisible events', async () => {
    const { service } = setup();
    for (const eventId of ['$unknown:example.org', '$hidden:example.org']) {
      await expect(service.sendReceipt(alice, ROOM, 'm.read', eventId)).rejects.toMatchObject({
        status: 404,
        errcode: 'M_NOT_FOUND',
      });
    }
  });

  it('moves the read marker and both receipts from /read_markers', async () => {
    const { service, receiptFor, marker } = setup();
    await service.setReadMarkers(alice, ROOM, {
      'm.fully_read': '$middle:example.org',
      'm.read': '$late:example.org',
      'm.read.private': '$early:example.org',
    });
    expect(marker()).toEqual({ event_id: '$middle:example.org' });
    expect(receiptFor('m.read')).toBe('$late:example.org');
    expect(receiptFor('m.read.private')).toBe('$early:example.org');
  });

  it('checks every /read_markers entry before moving any', async () => {
    const { service, marker } = setup();
    await expect(
      service.setReadMarkers(alice, ROOM, {
        'm.fully_read': '$middle:example.org',
        'm.read': 7 as unknown as string,
      }),
    ).rejects.toMatchObject({ status: 400, errcode: 'M_INVALID_PARAM' });
    expect(marker()).toBeUndefined();
  });

  it('skips empty /read_markers entries', async () => {
    const { service, receipts, marker } = setup();
    await service.setReadMarkers(alice, ROOM, {
      'm.fully_read': '',
      'm.read': '$late:example.org',
    });
    expect(marker()).toBeUndefined();
    expect(receipts.map((r) => r.eventId)).toEqual(['$late:example.org']);
  });
});
