import { Injectable } from '@nestjs/common';

import { MatrixError, stateMapKey, type RoomEvent, type StateMap } from '@chat/protocol';
import { EventStore, type RoomRecord, type StoredEvent } from '@chat/storage';

/** Reads of room state: current state, state after an event, memberships. */
@Injectable()
export class RoomStateService {
  constructor(private readonly events: EventStore) {}

  /** The room, or 404 M_NOT_FOUND. */
  async requireRoom(roomId: string): Promise<RoomRecord> {
    const room = await this.events.getRoom(roomId);
    if (!room) throw MatrixError.notFound('Unknown room');
    return room;
  }

  async currentStateIds(roomId: string): Promise<StateMap<string>> {
    return this.events.getCurrentState(roomId);
  }

  /** Current state as stored events. */
  async currentState(roomId: string): Promise<StateMap<StoredEvent>> {
    return this.load(await this.events.getCurrentState(roomId));
  }

  async currentStateEvent(
    roomId: string,
    type: string,
    stateKey: string,
  ): Promise<StoredEvent | null> {
    const id = await this.events.getCurrentStateEventId(roomId, type, stateKey);
    return id ? ((await this.events.getEvents([id])).get(id) ?? null) : null;
  }

  /** The state after `event` (for a message event, the state it was sent in). */
  async stateAfter(event: StoredEvent): Promise<StateMap<string>> {
    return event.stateGroup === null ? new Map() : this.events.getStateGroupState(event.stateGroup);
  }

  async load(ids: StateMap<string>): Promise<StateMap<StoredEvent>> {
    const found = await this.events.getEvents([...ids.values()]);
    const out = new Map<string, StoredEvent>();
    for (const [key, id] of ids) {
      const stored = found.get(id);
      if (stored) out.set(key, stored);
    }
    return out;
  }

  /** The events of `ids` the authorization helpers read (power levels, create). */
  async authState(ids: StateMap<string>, types: readonly string[]): Promise<StateMap<RoomEvent>> {
    const wanted = new Map<string, string>();
    for (const type of types) {
      const id = ids.get(stateMapKey(type, ''));
      if (id) wanted.set(stateMapKey(type, ''), id);
    }
    const loaded = await this.load(wanted);
    return new Map([...loaded].map(([key, stored]) => [key, stored.event]));
  }

  /** The user's current membership, or null. */
  async membership(roomId: string, userId: string): Promise<string | null> {
    return (await this.events.getCurrentMembership(roomId, userId))?.membership ?? null;
  }
}
