import type { StateMap } from '../events/state-map';
import type { EventGraph } from './event-graph';

export interface PartitionedState {
  /** Keys present in every input with the same event. */
  unconflicted: StateMap<string>;
  /** Every event of every other key, including keys missing from some inputs. */
  conflicted: Set<string>;
}

export function partitionState(stateSets: readonly StateMap<string>[]): PartitionedState {
  const unconflicted: StateMap<string> = new Map();
  const conflicted = new Set<string>();
  const keys = new Set(stateSets.flatMap((set) => [...set.keys()]));
  for (const key of keys) {
    const ids = stateSets.map((set) => set.get(key));
    const first = ids[0];
    if (first !== undefined && ids.every((id) => id === first)) {
      unconflicted.set(key, first);
    } else {
      for (const id of ids) if (id !== undefined) conflicted.add(id);
    }
  }
  return { unconflicted, conflicted };
}

/**
 * (∪ Ci) − (∩ Ci) where Ci is the full auth chain of the state set Si. Ci includes Si's own events
 * (as Synapse computes it), so an unconflicted event never lands in the difference.
 */
export function authDifference(
  graph: EventGraph,
  stateSets: readonly StateMap<string>[],
): Set<string> {
  const chainCount = new Map<string, number>();
  for (const set of stateSets) {
    for (const id of graph.closure(set.values())) {
      chainCount.set(id, (chainCount.get(id) ?? 0) + 1);
    }
  }
  const difference = new Set<string>();
  for (const [id, count] of chainCount) {
    if (count < stateSets.length) difference.add(id);
  }
  return difference;
}

/**
 * v2.1's conflicted state subgraph (protocol.md §4.3): every event on an `auth_events` path
 * between two conflicted events, endpoints included. The auth chains of the conflicted events are
 * searched backwards (from each event to the events citing it), starting at the conflicted events.
 */
export function conflictedSubgraph(
  graph: EventGraph,
  conflicted: ReadonlySet<string>,
): Set<string> {
  const reachable = graph.closure(conflicted);
  const citedBy = new Map<string, string[]>();
  for (const id of reachable) {
    for (const authId of graph.authEventIds(id)) {
      if (!reachable.has(authId)) continue;
      const citing = citedBy.get(authId);
      if (citing) citing.push(id);
      else citedBy.set(authId, [id]);
    }
  }
  const subgraph = new Set<string>();
  const stack = [...conflicted].filter((id) => reachable.has(id));
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    if (subgraph.has(id)) continue;
    subgraph.add(id);
    for (const citing of citedBy.get(id) ?? []) {
      if (!subgraph.has(citing)) stack.push(citing);
    }
  }
  return subgraph;
}
