import type { RoomEvent } from '../events/room-event';

export interface EventSource {
  /** Events by id; unknown ids are simply absent from the map. */
  getEvents(ids: readonly string[]): Promise<Map<string, RoomEvent>>;
}

/** Largest number of event ids one resolution may ask for (CVE-2024-31208: bound the work). */
export const MAX_STATE_RES_EVENTS = 100_000;

/** Ids per `getEvents` call, so one auth-chain level never turns into one giant query. */
const FETCH_BATCH_SIZE = 1_000;

/**
 * The events one resolution looks at and the `auth_events` edges between them, loaded once and
 * then queried in memory: every auth chain of the call is answered from this one copy.
 */
export class EventGraph {
  private readonly events = new Map<string, RoomEvent>();
  /** `authEventIdsWithCreate` per loaded event: the v12 getter recomputes the create id. */
  private readonly authIds = new Map<string, readonly string[]>();
  private readonly missing = new Set<string>();

  constructor(
    private readonly source: EventSource,
    private readonly maxEvents: number,
  ) {}

  /** Loads `ids` and their whole auth chains, one `auth_events` level per round of fetches. */
  async loadWithAuthChains(ids: Iterable<string>): Promise<void> {
    let level = [...new Set(ids)].filter((id) => this.isUnknown(id));
    while (level.length > 0) {
      const next = new Set<string>();
      for (const event of await this.fetch(level)) {
        for (const id of this.authEventIds(event.eventId)) {
          if (this.isUnknown(id)) next.add(id);
        }
      }
      level = [...next];
    }
  }

  get(id: string): RoomEvent | undefined {
    return this.events.get(id);
  }

  has(id: string): boolean {
    return this.events.has(id);
  }

  /** The event's auth event ids (with the implicit v12 create); empty for unloaded ids. */
  authEventIds(id: string): readonly string[] {
    return this.authIds.get(id) ?? [];
  }

  /** The loaded auth events of `id`; ids the source did not know are left out. */
  authEvents(id: string): RoomEvent[] {
    return this.authEventIds(id).flatMap((authId) => this.events.get(authId) ?? []);
  }

  /** The id of the `m.room.power_levels` event among `id`'s auth events, if it cites one. */
  powerLevelsAuthEventId(id: string): string | undefined {
    return this.authEvents(id).find((e) => e.type === 'm.room.power_levels' && e.stateKey === '')
      ?.eventId;
  }

  /** `ids` and every loaded event reachable from them through `auth_events`. */
  closure(ids: Iterable<string>): Set<string> {
    const seen = new Set<string>();
    const stack = [...ids].filter((id) => this.events.has(id));
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      if (seen.has(id)) continue;
      seen.add(id);
      for (const authId of this.authEventIds(id)) {
        if (this.events.has(authId) && !seen.has(authId)) stack.push(authId);
      }
    }
    return seen;
  }

  private isUnknown(id: string): boolean {
    return !this.events.has(id) && !this.missing.has(id);
  }

  private async fetch(ids: readonly string[]): Promise<RoomEvent[]> {
    const found: RoomEvent[] = [];
    for (let start = 0; start < ids.length; start += FETCH_BATCH_SIZE) {
      const batch = ids.slice(start, start + FETCH_BATCH_SIZE);
      // Count asked-for ids, found or not, so the bound holds before the source does the work.
      if (this.events.size + this.missing.size + batch.length > this.maxEvents) {
        throw new Error(
          `state resolution aborted: the auth chains exceed ${this.maxEvents} events`,
        );
      }
      const events = await this.source.getEvents(batch);
      for (const id of batch) {
        const event = events.get(id);
        if (event === undefined) {
          this.missing.add(id);
          continue;
        }
        this.events.set(id, event);
        this.authIds.set(id, event.authEventIdsWithCreate);
        found.push(event);
      }
    }
    return found;
  }
}
