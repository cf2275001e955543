import { Injectable } from '@nestjs/common';

import type { Requester } from '@chat/platform';
import { MatrixError, parseEventId } from '@chat/protocol';
import { AccountDataStore, EventStore, ReceiptStore, type StoredEvent } from '@chat/storage';

import { Clock } from '../common/clock';
import type { StreamWriteBody } from '../common/stream-write-ops';
import { StreamWrites } from '../common/stream-writes';
import { StreamNotifier } from '../sync/stream-notifier';
import { RoomAccessService } from './room-access.service';
import { RoomStateService } from './room-state.service';

const FULLY_READ = 'm.fully_read';

/**
 * `m.fully_read` is the read marker (room account data), accepted on the receipt endpoint too.
 * `/read_markers` moves them in this order.
 */
export const RECEIPT_TYPES = [FULLY_READ, 'm.read', 'm.read.private'] as const;
export type ReceiptType = (typeof RECEIPT_TYPES)[number];

/** The `/read_markers` body: an event id per marker or receipt to move. */
export type ReadMarkers = Partial<Record<ReceiptType, string>>;

/**
 * The stored thread of a receipt: '' when unthreaded, else `main` or a thread root's event id.
 * 400 M_INVALID_PARAM for anything else, and for a thread on the read marker (as Synapse).
 */
export function parseThreadId(threadId: unknown, receiptType: string): string {
  if (threadId === undefined) return '';
  if (typeof threadId !== 'string' || (threadId !== 'main' && !parseEventId(threadId))) {
    throw MatrixError.invalidParam('thread_id field must be "main" or an event id');
  }
  if (receiptType === FULLY_READ) {
    throw MatrixError.invalidParam(`thread_id is not compatible with ${FULLY_READ} receipts.`);
  }
  return threadId;
}

/**
 * Read receipts and the read marker. Neither moves backwards: like Synapse, a receipt for an
 * event not after the current one is ignored. Membership and visibility are checked where the
 * request arrives; a receipt is compared and stored by a `receipts` writer, the marker (room
 * account data) is stored by the `account_data` writer.
 */
@Injectable()
export class ReceiptService {
  constructor(
    private readonly events: EventStore,
    private readonly receipts: ReceiptStore,
    private readonly accountData: AccountDataStore,
    private readonly state: RoomStateService,
    private readonly access: RoomAccessService,
    private readonly clock: Clock,
    private readonly notifier: StreamNotifier,
    private readonly writes: StreamWrites,
  ) {
    writes.serve('receipt_set', (body) => this.storeReceipt(body));
  }

  async sendReceipt(
    requester: Requester,
    roomId: string,
    receiptType: string,
    eventId: string,
    threadId?: unknown,
  ): Promise<void> {
    if (!isReceiptType(receiptType)) {
      throw MatrixError.invalidParam(`Receipt type must be one of ${RECEIPT_TYPES.join(', ')}`);
    }
    const thread = parseThreadId(threadId, receiptType);
    await this.move(requester.userId, roomId, receiptType, eventId, thread);
  }

  /** Absent or empty entries are skipped (as Synapse); all are checked before any moves. */
  async setReadMarkers(requester: Requester, roomId: string, body: ReadMarkers): Promise<void> {
    const wanted = RECEIPT_TYPES.flatMap((type) => {
      const eventId: unknown = body[type];
      if (eventId === undefined || eventId === '') return [];
      if (typeof eventId !== 'string') throw MatrixError.invalidParam(`${type} must be a string`);
      if (!parseEventId(eventId)) throw MatrixError.invalidParam(`${type} is not an event id`);
      return [[type, eventId] as const];
    });
    for (const [type, eventId] of wanted) {
      await this.move(requester.userId, roomId, type, eventId, '');
    }
  }

  private async move(
    userId: string,
    roomId: string,
    type: ReceiptType,
    eventId: string,
    threadId: string,
  ): Promise<void> {
    const target = await this.joinedVisibleEvent(userId, roomId, eventId);
    if (type === FULLY_READ) await this.moveReadMarker(userId, roomId, target);
    else await this.moveReceipt(userId, roomId, type, threadId, target);
  }

  /** 403 unless joined; 404 for events outside the room or hidden from the user. */
  private async joinedVisibleEvent(
    userId: string,
    roomId: string,
    eventId: string,
  ): Promise<StoredEvent> {
    if ((await this.state.membership(roomId, userId)) !== 'join') {
      throw MatrixError.forbidden(`User ${userId} not in room ${roomId}`);
    }
    return this.access.visibleEvent(
      { roomId, userId, currentMembership: 'join', departedAt: null },
      eventId,
    );
  }

  private async moveReceipt(
    userId: string,
    roomId: string,
    receiptType: string,
    threadId: string,
    target: StoredEvent,
  ): Promise<void> {
    await this.writes.write('receipt_set', {
      room_id: roomId,
      receipt_type: receiptType,
      user_id: userId,
      event_id: target.event.eventId,
      thread_id: threadId,
    });
  }

  /**
   * `receipt_set` on a receipts writer. Synapse orders receipts by stream ordering;
   * `m.read.private` is stored like `m.read`.
   */
  private async storeReceipt(body: StreamWriteBody<'receipt_set'>): Promise<void> {
    const { room_id: roomId, receipt_type: receiptType, user_id: userId } = body;
    const target = await this.loadInRoom(roomId, body.event_id);
    if (!target) throw MatrixError.notFound('Event not found');
    const existing = await this.receipts.getReceipt(roomId, receiptType, userId, body.thread_id);
    if (existing) {
      const current = await this.loadInRoom(roomId, existing.eventId);
      if (current && current.streamOrdering >= target.streamOrdering) return;
    }
    const position = await this.receipts.upsertReceipt({
      roomId,
      receiptType,
      userId,
      threadId: body.thread_id,
      eventId: target.event.eventId,
      data: { ts: this.clock.now() },
    });
    this.notifier.receiptsChanged(roomId, position);
  }

  /** Synapse orders the marker by (topological, stream) ordering, the room's history order. */
  private async moveReadMarker(userId: string, roomId: string, target: StoredEvent): Promise<void> {
    const existing = await this.accountData.getAccountData(userId, roomId, FULLY_READ);
    const currentId = existing?.['event_id'];
    if (typeof currentId === 'string') {
      const current = await this.loadInRoom(roomId, currentId);
      if (
        current &&
        (current.topologicalOrdering > target.topologicalOrdering ||
          (current.topologicalOrdering === target.topologicalOrdering &&
            current.streamOrdering >= target.streamOrdering))
      ) {
        return;
      }
    }
    await this.writes.write('add_room_account_data', {
      user_id: userId,
      room_id: roomId,
      account_data_type: FULLY_READ,
      content: { event_id: target.event.eventId },
    });
  }

  /** The event, unless it is gone or belongs to another room: then the new one counts as ahead. */
  private async loadInRoom(roomId: string, eventId: string): Promise<StoredEvent | null> {
    const stored = (await this.events.getEvents([eventId])).get(eventId);
    return stored && stored.event.roomId === roomId ? stored : null;
  }
}

function isReceiptType(type: string): type is ReceiptType {
  return (RECEIPT_TYPES as readonly string[]).includes(type);
}
