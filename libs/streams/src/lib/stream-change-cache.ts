/**
 * For one stream, the last position at which each entity (room, user) changed, for positions
 * after `earliestKnown` (replication.md §7.4). It answers "has X changed since T?" without a
 * query; for T before what it knows it says "maybe", and the caller reads the database.
 */
export class StreamChangeCache {
  private readonly lastChange = new Map<string, number>();
  private earliest: number;

  /**
   * @param earliestKnown the stream position when the cache started: every change after it is
   *   recorded here.
   * @param maxEntities bound on memory; the oldest entities are dropped and `earliestKnown` moves
   *   up to the newest dropped change, so answers stay conservative.
   */
  constructor(
    earliestKnown: number,
    private readonly maxEntities = 100_000,
  ) {
    this.earliest = earliestKnown;
  }

  get earliestKnown(): number {
    return this.earliest;
  }

  /** Records that `entity` changed at `position` (positions of one entity only move forward). */
  entityChanged(entity: string, position: number): void {
    if (position <= this.earliest) return;
    const previous = this.lastChange.get(entity);
    if (previous !== undefined && previous >= position) return;
    // Re-inserted so that Map order is oldest change first.
    this.lastChange.delete(entity);
    this.lastChange.set(entity, position);
    while (this.lastChange.size > this.maxEntities) {
      const [oldest, at] = this.lastChange.entries().next().value as [string, number];
      this.lastChange.delete(oldest);
      this.earliest = Math.max(this.earliest, at);
    }
  }

  /** False only when the entity certainly did not change after `since`. */
  hasEntityChanged(entity: string, since: number): boolean {
    if (since < this.earliest) return true;
    return (this.lastChange.get(entity) ?? this.earliest) > since;
  }

  /** Those of `entities` that may have changed after `since` (all of them if `since` is too old). */
  changedSince(entities: Iterable<string>, since: number): string[] {
    const out: string[] = [];
    for (const entity of entities) if (this.hasEntityChanged(entity, since)) out.push(entity);
    return out;
  }
}
