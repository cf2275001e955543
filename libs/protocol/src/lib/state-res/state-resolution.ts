import type { RoomEvent } from '../events/room-event';
import type { RoomVersion } from '../events/room-versions';
import { stateMapKey, type StateMap } from '../events/state-map';
import { authDifference, conflictedSubgraph, partitionState } from './conflicted-state';
import { EventGraph, MAX_STATE_RES_EVENTS, type EventSource } from './event-graph';
import { iterativeAuthChecks } from './iterative-auth-checks';
import { mainlineOrder } from './mainline-order';
import { reverseTopologicalPowerOrder } from './power-order';

export { MAX_STATE_RES_EVENTS, type EventSource } from './event-graph';

export interface ResolveStateOptions {
  /** Cap on the event ids one resolution may fetch; defaults to {@link MAX_STATE_RES_EVENTS}. */
  maxEvents?: number;
}

const POWER_LEVELS_KEY = stateMapKey('m.room.power_levels', '');

/** Power levels, join rules, and kicks or bans (a leave/ban someone else sent). */
function isPowerEvent(event: RoomEvent): boolean {
  if (event.type === 'm.room.power_levels' || event.type === 'm.room.join_rules') {
    return event.stateKey === '';
  }
  const { membership } = event;
  return (
    (membership === 'leave' || membership === 'ban') &&
    event.stateKey !== undefined &&
    event.sender !== event.stateKey
  );
}

/**
 * Resolves state maps ((type, state_key) → event id) into one: state resolution v2 for room
 * versions 2–11, v2.1 (MSC4297) for v12 (protocol.md §4.2–4.3). The result does not depend on the
 * order of `stateSets`, nor on repeated entries in it.
 */
export async function resolveState(
  version: RoomVersion,
  stateSets: readonly StateMap<string>[],
  source: EventSource,
  options: ResolveStateOptions = {},
): Promise<StateMap<string>> {
  if (version.stateRes === 'v1') throw new Error('state resolution v1 is not supported yet');
  // Zero sets, one set and equal sets all leave nothing conflicted: no event is fetched.
  const { unconflicted, conflicted } = partitionState(stateSets);
  if (conflicted.size === 0) return unconflicted;

  const graph = new EventGraph(source, options.maxEvents ?? MAX_STATE_RES_EVENTS);
  await graph.loadWithAuthChains(stateSets.flatMap((set) => [...set.values()]));

  const fullConflicted = authDifference(graph, stateSets);
  for (const id of conflicted) fullConflicted.add(id);
  if (version.stateRes === 'v2.1') {
    for (const id of conflictedSubgraph(graph, conflicted)) fullConflicted.add(id);
  }
  // Events the source does not have cannot be checked, so they cannot win.
  for (const id of fullConflicted) if (!graph.has(id)) fullConflicted.delete(id);

  // Step 1: power events and the parts of their auth chains in the full conflicted set.
  const powerIds = [...fullConflicted].filter((id) => isPowerEvent(graph.get(id) as RoomEvent));
  const powerClosure = new Set([...graph.closure(powerIds)].filter((id) => fullConflicted.has(id)));
  // Step 2: v2 replays onto the unconflicted state; v2.1 onto nothing, so each event is checked
  // against its own auth events, not entries from another history (MSC4297 problem A).
  const partial = iterativeAuthChecks(
    graph,
    reverseTopologicalPowerOrder(graph, powerClosure, version),
    version.stateRes === 'v2.1' ? new Map() : unconflicted,
    version,
  );
  // Steps 3–4: everything else, in mainline order of the partially resolved power levels.
  const others = [...fullConflicted].filter((id) => !powerClosure.has(id));
  const resolved = iterativeAuthChecks(
    graph,
    mainlineOrder(graph, others, partial.get(POWER_LEVELS_KEY)),
    partial,
    version,
  );
  // Step 5: unconflicted entries always win.
  for (const [key, id] of unconflicted) resolved.set(key, id);
  return resolved;
}
