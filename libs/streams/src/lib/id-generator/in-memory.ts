import type { PositionsStore, SequenceSource } from './id-generator.ports';

/** An in-process counter: the single-writer id source for SQLite, and a sequence for tests. */
export class InProcessSequence implements SequenceSource {
  constructor(private last: number) {}

  async nextIds(n: number): Promise<number[]> {
    return Array.from({ length: n }, () => ++this.last);
  }

  async lastValue(): Promise<number> {
    return this.last;
  }
}

/** Positions kept in memory (single-writer mode; tests). */
export class MemoryPositionsStore implements PositionsStore {
  private readonly rows = new Map<string, Map<string, number>>();

  async load(stream: string): Promise<Map<string, number>> {
    return new Map(this.rows.get(stream));
  }

  async deleteOthers(stream: string, keep: readonly string[]): Promise<void> {
    const positions = this.rows.get(stream);
    for (const instance of positions?.keys() ?? []) {
      if (!keep.includes(instance)) positions?.delete(instance);
    }
  }

  async upsert(stream: string, instance: string, position: number): Promise<void> {
    const positions = this.rows.get(stream) ?? new Map<string, number>();
    this.rows.set(stream, positions);
    positions.set(instance, Math.max(positions.get(instance) ?? position, position));
  }
}
