import { Injectable } from '@nestjs/common';

import type { RemoteEventPersisters } from '@chat/handlers';
import { getRoomVersion, MatrixError, RoomEvent, type Pdu } from '@chat/protocol';
import {
  ReplicationClient,
  ServesReplicationEndpoint,
  replicationEndpoint,
  type ReplicationReply,
} from '@chat/replication';
import { RoomEventWriter, type EventDraft, type WrittenEvent } from '@chat/stream-writers';

interface SendEventsBody {
  room_id: string;
  drafts: EventDraft[];
  /** A new room: its create event (built by the caller) and the create event's room version. */
  create_event?: { pdu: Pdu; room_version: string };
}

interface SendEventsResult {
  events: WrittenEvent[];
}

/**
 * `send_events` (replication.md §6.5, our body): drafts of one room, built, authorized and
 * persisted by the room's events writer. Cached by txn id, so a retried call after a lost answer
 * returns the same events instead of writing them twice.
 */
export const SEND_EVENTS = replicationEndpoint<never, SendEventsBody, SendEventsResult>({
  name: 'send_events',
  onlyOn: 'writer:events',
});

/** The events writer's side: serves `send_events` with this process's writer. */
@Injectable()
export class SendEventsEndpoint {
  constructor(private readonly writer: RoomEventWriter) {}

  @ServesReplicationEndpoint(SEND_EVENTS)
  async sendEvents(
    _args: Readonly<Record<never, string>>,
    body: SendEventsBody,
  ): Promise<ReplicationReply<SendEventsResult>> {
    const { room_id: roomId, drafts, create_event: create } = parseBody(body);
    if (!create) return { body: { events: await this.writer.send(roomId, drafts) } };
    const version = getRoomVersion(create.room_version);
    if (!version) throw MatrixError.badJson(`unknown room version ${create.room_version}`);
    const createEvent = new RoomEvent(create.pdu, version);
    if (createEvent.roomId !== roomId) throw MatrixError.badJson('create_event is not of room_id');
    return { body: { events: await this.writer.writeNewRoom(createEvent, drafts) } };
  }
}

/** The other side: a process that does not write a room's events sends them to the writer. */
@Injectable()
export class HttpEventPersisters implements RemoteEventPersisters {
  constructor(private readonly client: ReplicationClient) {}

  async send(persister: string, roomId: string, drafts: EventDraft[]): Promise<WrittenEvent[]> {
    const result = await this.client.call(persister, SEND_EVENTS, {}, { room_id: roomId, drafts });
    return result.events;
  }

  async writeNewRoom(
    persister: string,
    createEvent: RoomEvent,
    drafts: EventDraft[],
  ): Promise<WrittenEvent[]> {
    const result = await this.client.call(
      persister,
      SEND_EVENTS,
      {},
      {
        room_id: createEvent.roomId,
        drafts,
        create_event: { pdu: createEvent.pdu, room_version: createEvent.version.id },
      },
    );
    return result.events;
  }
}

/** Our own processes send this body, but a malformed one must be a 400, never a crash. */
function parseBody(body: SendEventsBody): SendEventsBody {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (typeof body.room_id !== 'string' || !Array.isArray(body.drafts)) {
    throw MatrixError.badJson('send_events needs room_id and drafts');
  }
  for (const draft of body.drafts as unknown[]) {
    if (
      !isObject(draft) ||
      typeof draft['type'] !== 'string' ||
      typeof draft['sender'] !== 'string' ||
      !isObject(draft['content'])
    ) {
      throw MatrixError.badJson('each draft needs type, sender and content');
    }
  }
  const create = body.create_event as unknown;
  if (
    create !== undefined &&
    (!isObject(create) || !isObject(create['pdu']) || typeof create['room_version'] !== 'string')
  ) {
    throw MatrixError.badJson('create_event needs pdu and room_version');
  }
  return body;
}
