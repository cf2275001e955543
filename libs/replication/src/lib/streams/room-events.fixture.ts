import { getRoomVersion, RoomEvent, stateMapKey, type Pdu, type RoomVersion } from '@chat/protocol';
import type { EventStore, NewRoomEvent, PersistedEvent } from '@chat/storage';

const V10 = getRoomVersion('10') as RoomVersion;

/** An event to send; `redacts` is top-level in room version 10. */
export interface EventSpec {
  type: string;
  sender: string;
  content?: Record<string, unknown>;
  stateKey?: string;
  redacts?: string;
}

/**
 * A room written through the real `EventStore`, as the event persister writes it: batches that
 * chain on the room's last event, with state after each event and the current-state delta.
 * Events are unsigned; storage does not check signatures, and the streams read what it stored.
 */
export class RoomFixture {
  private readonly state = new Map<string, string>();
  private prevEvents: string[] = [];
  private depth = 0;
  private stateGroup: number | null = null;
  private ts = 1_700_000_000_000;
  /** The create event and the creator's join. */
  created: PersistedEvent[] = [];

  private constructor(
    private readonly store: EventStore,
    readonly roomId: string,
  ) {}

  /** A version 10 room: its create event and the creator's join, one batch. */
  static async create(store: EventStore, roomId: string, creator: string): Promise<RoomFixture> {
    const room = new RoomFixture(store, roomId);
    room.created = await room.send(
      { type: 'm.room.create', sender: creator, stateKey: '', content: { creator } },
      {
        type: 'm.room.member',
        sender: creator,
        stateKey: creator,
        content: { membership: 'join' },
      },
    );
    return room;
  }

  /** Persists the events as one batch; returns each one's id and stream ordering. */
  async send(...specs: EventSpec[]): Promise<PersistedEvent[]> {
    const events: NewRoomEvent[] = [];
    const delta = new Map<string, string>();
    for (const spec of specs) {
      const pdu: Pdu = {
        type: spec.type,
        room_id: this.roomId,
        sender: spec.sender,
        origin_server_ts: this.ts++,
        content: spec.content ?? {},
        depth: ++this.depth,
        prev_events: this.prevEvents,
        auth_events: [],
        hashes: { sha256: 'unchecked' },
        signatures: {},
        ...(spec.stateKey === undefined ? {} : { state_key: spec.stateKey }),
        ...(spec.redacts === undefined ? {} : { redacts: spec.redacts }),
      };
      const event = new RoomEvent(pdu, V10);
      if (spec.stateKey !== undefined) {
        const key = stateMapKey(spec.type, spec.stateKey);
        this.state.set(key, event.eventId);
        delta.set(key, event.eventId);
      }
      events.push({ event, stateAfter: new Map(this.state) });
      this.prevEvents = [event.eventId];
    }
    const persisted = await this.store.persistBatch({
      roomId: this.roomId,
      stateGroupBefore: this.stateGroup,
      events,
      currentStateDelta: delta,
    });
    this.stateGroup = persisted[persisted.length - 1].stateGroup;
    return persisted;
  }
}
