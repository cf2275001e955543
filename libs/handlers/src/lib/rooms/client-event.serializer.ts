import { Injectable } from '@nestjs/common';

import { redactEvent, type RoomEvent } from '@chat/protocol';
import { EventStore, type StoredEvent } from '@chat/storage';

import { Clock } from '../common/clock';

export type ClientEvent = Record<string, unknown>;

/**
 * Turns stored events into the client-server event format: room id, `unsigned.age`,
 * `prev_content` for replaced state, the redacted form with `redacted_because`, and the
 * `redacts` key in both places a client may look (protocol.md §2.5, v11 compatibility).
 */
@Injectable()
export class ClientEventSerializer {
  constructor(
    private readonly events: EventStore,
    private readonly clock: Clock,
  ) {}

  async serialize(stored: StoredEvent): Promise<ClientEvent> {
    return (await this.serializeMany([stored]))[0];
  }

  async serializeMany(list: readonly StoredEvent[]): Promise<ClientEvent[]> {
    const related = new Set<string>();
    for (const s of list) {
      if (s.redactedBy) related.add(s.redactedBy);
      if (s.replacesState) related.add(s.replacesState);
    }
    const loaded = related.size ? await this.events.getEvents([...related]) : new Map();
    const now = this.clock.now();
    return list.map((s) => {
      const out = this.base(s.event, s.redactedBy !== null, now);
      const unsigned = out['unsigned'] as Record<string, unknown>;
      const redaction = s.redactedBy
        ? (loaded.get(s.redactedBy) as StoredEvent | undefined)
        : undefined;
      if (redaction) unsigned['redacted_because'] = this.base(redaction.event, false, now);
      const replaced = s.replacesState
        ? (loaded.get(s.replacesState) as StoredEvent | undefined)
        : undefined;
      if (replaced) {
        unsigned['replaces_state'] = replaced.event.eventId;
        unsigned['prev_content'] = replaced.redactedBy
          ? redactEvent(replaced.event.pdu, replaced.event.version).content
          : replaced.event.content;
        unsigned['prev_sender'] = replaced.event.sender;
      }
      return out;
    });
  }

  private base(event: RoomEvent, redacted: boolean, now: number): ClientEvent {
    const content = redacted ? redactEvent(event.pdu, event.version).content : event.content;
    const out: ClientEvent = {
      type: event.type,
      room_id: event.roomId,
      sender: event.sender,
      event_id: event.eventId,
      origin_server_ts: event.originServerTs,
      content,
      unsigned: { age: Math.max(0, now - event.originServerTs) },
    };
    if (event.stateKey !== undefined) out['state_key'] = event.stateKey;
    const redacts = event.redacts;
    if (redacts !== undefined) {
      out['redacts'] = redacts;
      if (!redacted && !('redacts' in content)) out['content'] = { ...content, redacts };
    }
    return out;
  }
}
