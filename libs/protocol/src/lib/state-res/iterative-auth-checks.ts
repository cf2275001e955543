import { AuthError } from '../auth/auth-error';
import { authEventKeys } from '../auth/auth-events-selection';
import { checkAuthRules } from '../auth/auth-rules';
import type { RoomEvent } from '../events/room-event';
import type { RoomVersion } from '../events/room-versions';
import { stateMapKey, type StateMap } from '../events/state-map';
import type { EventGraph } from './event-graph';

/**
 * The state `event` is checked against: its own auth events (with the implicit v12 create),
 * overridden by the entries of `state` the auth-events selection names. Rejected events are never
 * used (CVE-2022-39374).
 */
function authStateFor(
  graph: EventGraph,
  event: RoomEvent,
  state: StateMap<string>,
  version: RoomVersion,
): StateMap<RoomEvent> {
  const authState: StateMap<RoomEvent> = new Map();
  for (const auth of graph.authEvents(event.eventId)) {
    if (auth.rejectedReason === null && auth.stateKey !== undefined) {
      authState.set(stateMapKey(auth.type, auth.stateKey), auth);
    }
  }
  for (const [type, stateKey] of authEventKeys(event, version)) {
    const key = stateMapKey(type, stateKey);
    const currentId = state.get(key);
    const current = currentId === undefined ? undefined : graph.get(currentId);
    if (current !== undefined && current.rejectedReason === null) authState.set(key, current);
  }
  return authState;
}

/**
 * Iterative auth checks (protocol.md §4.2): each event in order that passes the state-dependent
 * auth rules against {@link authStateFor} takes its (type, state_key) entry; the rest are skipped.
 *
 * Previously rejected events are skipped outright, as Synapse does (synapse#13797), although the
 * spec would re-check those rejected only for the state before them. `rejectedReason` does not say
 * why an event was rejected, and letting a rejected event into resolved state is exactly the
 * CVE-2022-39374 shape, so never admitting them is the safe reading.
 */
export function iterativeAuthChecks(
  graph: EventGraph,
  orderedIds: readonly string[],
  start: StateMap<string>,
  version: RoomVersion,
): StateMap<string> {
  const state = new Map(start);
  for (const id of orderedIds) {
    const event = graph.get(id);
    if (event?.stateKey === undefined || event.rejectedReason !== null) continue;
    try {
      checkAuthRules(event, authStateFor(graph, event, state, version));
      state.set(stateMapKey(event.type, event.stateKey), id);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
    }
  }
  return state;
}
