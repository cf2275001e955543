import { Injectable } from '@nestjs/common';

import type { Requester } from '@chat/platform';
import { MatrixError, parseEventId, redactionPowerLevel, userPowerLevel } from '@chat/protocol';
import { EventStore } from '@chat/storage';

import { RoomStateService } from './room-state.service';
import { RoomEventSender } from './room-event-sender';

/** Message events, state events and redactions sent by clients. */
@Injectable()
export class RoomMessageService {
  constructor(
    private readonly writer: RoomEventSender,
    private readonly events: EventStore,
    private readonly state: RoomStateService,
  ) {}

  /** Idempotent per (device, room, type, txn id), also across restarts (protocol.md §6.3). */
  async send(
    requester: Requester,
    roomId: string,
    type: string,
    txnId: string,
    content: Record<string, unknown>,
  ): Promise<{ event_id: string }> {
    // An unknown room is the writer's 404; no lookup needed on this hot path.
    const [written] = await this.writer.send(roomId, [
      {
        type,
        sender: requester.userId,
        content,
        txn: {
          userId: requester.userId,
          deviceId: requester.deviceId,
          scope: `send/${roomId}/${type}`,
          txnId,
        },
      },
    ]);
    return { event_id: written.eventId };
  }

  /** Sending the same content as the current state returns the current event (as Synapse). */
  async putState(
    requester: Requester,
    roomId: string,
    type: string,
    stateKey: string,
    content: Record<string, unknown>,
  ): Promise<{ event_id: string }> {
    const current = await this.state.currentStateEvent(roomId, type, stateKey);
    if (
      current &&
      current.event.sender === requester.userId &&
      JSON.stringify(current.event.content) === JSON.stringify(content)
    ) {
      return { event_id: current.event.eventId };
    }
    const [written] = await this.writer.send(roomId, [
      { type, stateKey, sender: requester.userId, content },
    ]);
    return { event_id: written.eventId };
  }

  /** Redacting another user's event needs the redact level (as Synapse), whatever the room version. */
  async redact(
    requester: Requester,
    roomId: string,
    eventId: string,
    txnId: string,
    reason: string | undefined,
  ): Promise<{ event_id: string }> {
    if (!parseEventId(eventId)) throw MatrixError.invalidParam('Invalid event id');
    await this.state.requireRoom(roomId);
    const target = (await this.events.getEvents([eventId])).get(eventId);
    if (target && target.event.roomId === roomId && target.event.sender !== requester.userId) {
      const authState = await this.state.authState(await this.state.currentStateIds(roomId), [
        'm.room.create',
        'm.room.power_levels',
      ]);
      const version = target.event.version;
      if (
        userPowerLevel(requester.userId, authState, version) <
        redactionPowerLevel(authState, version)
      ) {
        throw MatrixError.forbidden("You don't have permission to redact events");
      }
    }
    const content: Record<string, unknown> = {};
    if (typeof reason === 'string') content['reason'] = reason;
    const [written] = await this.writer.send(roomId, [
      {
        type: 'm.room.redaction',
        sender: requester.userId,
        content,
        redacts: eventId,
        txn: {
          userId: requester.userId,
          deviceId: requester.deviceId,
          scope: `redact/${roomId}/${eventId}`,
          txnId,
        },
      },
    ]);
    return { event_id: written.eventId };
  }
}
