import type { RoomVersion } from '../events/room-versions';
import { stateMapKey, type StateMap } from '../events/state-map';
import type { RoomEvent } from '../events/room-event';
import { userPowerLevel } from '../auth/power-levels';
import type { EventGraph } from './event-graph';
import { MinHeap } from './min-heap';

/**
 * The sender's level as the event's *own* auth events give it (create + power levels), never its
 * content or the resolved state: a self-promoting PL event must not rank itself (protocol.md §4.2).
 */
export function senderPowerLevel(
  graph: EventGraph,
  event: RoomEvent,
  version: RoomVersion,
): number {
  const authState: StateMap<RoomEvent> = new Map();
  for (const auth of graph.authEvents(event.eventId)) {
    if (
      (auth.type === 'm.room.create' || auth.type === 'm.room.power_levels') &&
      auth.stateKey === ''
    ) {
      authState.set(stateMapKey(auth.type, ''), auth);
    }
  }
  return userPowerLevel(event.sender, authState, version);
}

interface PowerSortKey {
  id: string;
  level: number;
  ts: number;
}

/** Higher sender level first, then older `origin_server_ts`, then smaller id by code units. */
function comparePowerKeys(a: PowerSortKey, b: PowerSortKey): number {
  // Explicit comparisons, not subtraction: v12 creators are Infinity and ∞ − ∞ is NaN.
  if (a.level !== b.level) return a.level > b.level ? -1 : 1;
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Reverse topological power ordering of `ids` (protocol.md §4.2) by Kahn's algorithm over the
 * `auth_events` edges inside `ids`: ancestors first, ties to the smallest key. Events on an auth
 * cycle (only forgeable with v1/v2 opaque event ids) never become ready and are left out.
 */
export function reverseTopologicalPowerOrder(
  graph: EventGraph,
  ids: ReadonlySet<string>,
  version: RoomVersion,
): string[] {
  const waitingOn = new Map<string, number>();
  const citedBy = new Map<string, string[]>();
  const ready = new MinHeap(comparePowerKeys);
  const keys = new Map<string, PowerSortKey>();
  for (const id of ids) {
    const event = graph.get(id);
    if (event === undefined) continue;
    keys.set(id, {
      id,
      level: senderPowerLevel(graph, event, version),
      ts: event.originServerTs,
    });
    const parents = new Set(graph.authEventIds(id).filter((authId) => ids.has(authId)));
    waitingOn.set(id, parents.size);
    for (const parent of parents) {
      const citing = citedBy.get(parent);
      if (citing) citing.push(id);
      else citedBy.set(parent, [id]);
    }
  }
  for (const [id, count] of waitingOn) {
    if (count === 0) ready.push(keys.get(id) as PowerSortKey);
  }

  const order: string[] = [];
  for (let next = ready.pop(); next !== undefined; next = ready.pop()) {
    order.push(next.id);
    for (const child of citedBy.get(next.id) ?? []) {
      const remaining = (waitingOn.get(child) ?? 0) - 1;
      waitingOn.set(child, remaining);
      if (remaining === 0) ready.push(keys.get(child) as PowerSortKey);
    }
  }
  return order;
}
