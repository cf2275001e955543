import type { EventGraph } from './event-graph';

/** "No power-levels ancestor on the mainline": distinct from, and older than, every index. */
const NO_MAINLINE_ANCESTOR = Number.POSITIVE_INFINITY;

/**
 * For each PL event id: its index on the mainline of `powerLevelsId` (0 = that event, 1 = the PL
 * event it cites, …), or ∞ once a walk has shown it has no ancestor there. Walks share results,
 * so each PL chain is followed once however many events hang off it.
 */
class MainlinePositions {
  private readonly positions = new Map<string, number>();

  constructor(
    private readonly graph: EventGraph,
    powerLevelsId: string | undefined,
  ) {
    let index = 0;
    for (let id = powerLevelsId; id !== undefined && !this.positions.has(id); ) {
      this.positions.set(id, index++);
      id = graph.powerLevelsAuthEventId(id);
    }
  }

  /** Position of an event: that of the first of its PL auth ancestors (not itself) on the mainline. */
  of(eventId: string): number {
    const path = new Set<string>();
    let id = this.graph.powerLevelsAuthEventId(eventId);
    let position = NO_MAINLINE_ANCESTOR;
    while (id !== undefined) {
      const known = this.positions.get(id);
      if (known !== undefined) {
        position = known;
        break;
      }
      if (path.has(id)) break; // a forged auth cycle (v1/v2 ids): no mainline ancestor
      path.add(id);
      id = this.graph.powerLevelsAuthEventId(id);
    }
    for (const walked of path) this.positions.set(walked, position);
    return position;
  }
}

/**
 * Mainline ordering (protocol.md §4.2, ruma#2480): the greater position first, so events with no
 * mainline ancestor (∞) come before those hanging off the oldest mainline event; then older
 * `origin_server_ts`; then smaller event id by code units.
 */
export function mainlineOrder(
  graph: EventGraph,
  ids: readonly string[],
  powerLevelsId: string | undefined,
): string[] {
  const positions = new MainlinePositions(graph, powerLevelsId);
  const keys = new Map(
    ids.map((id) => [id, { position: positions.of(id), ts: graph.get(id)?.originServerTs ?? 0 }]),
  );
  return [...ids].sort((a, b) => {
    const ka = keys.get(a) as { position: number; ts: number };
    const kb = keys.get(b) as { position: number; ts: number };
    if (ka.position !== kb.position) return ka.position > kb.position ? -1 : 1;
    if (ka.ts !== kb.ts) return ka.ts < kb.ts ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}
