import fc from 'fast-check';
import type {
  IdAllocation,
  PersistedRowsSource,
  SequenceSource,
  TxnHooks,
} from './id-generator.ports';
import { InProcessSequence, MemoryPositionsStore } from './in-memory';
import { MultiWriterIdGenerator } from './multi-writer-id-generator';

const STREAM = 'test_stream';
const noRows: PersistedRowsSource = { maxId: async () => 0, rowsAfter: async () => [] };

/**
 * A shared sequence whose answers are delivered only when released, in any order: the database
 * has assigned the ids, but the caller has not heard back yet.
 */
class HeldSequence implements SequenceSource {
  private last = 1; // created, then advanced once (streams start at 2)
  private readonly waiting = new Map<string, Array<{ ids: number[]; deliver: () => void }>>();

  constructor(private readonly caller: () => string) {}

  nextIds(n: number): Promise<number[]> {
    const ids = Array.from({ length: n }, () => ++this.last);
    const queue = this.waiting.get(this.caller()) ?? [];
    this.waiting.set(this.caller(), queue);
    return new Promise((resolve) => queue.push({ ids, deliver: () => resolve(ids) }));
  }

  /** Delivers one of `owner`'s answers; false when it has none waiting. */
  release(owner: string, pick: number): boolean {
    const queue = this.waiting.get(owner) ?? [];
    if (queue.length === 0) return false;
    queue.splice(pick % queue.length, 1)[0].deliver();
    return true;
  }

  undeliveredIds(): number[] {
    return [...this.waiting.values()].flatMap((queue) => queue.flatMap((entry) => entry.ids));
  }

  async lastValue(): Promise<number> {
    return this.last;
  }
}

class FakeTxn implements TxnHooks {
  readonly commits: Array<() => void | Promise<void>> = [];
  readonly rollbacks: Array<(err: unknown) => void | Promise<void>> = [];
  afterCommit(fn: () => void | Promise<void>): void {
    this.commits.push(fn);
  }
  onRollback(fn: (err: unknown) => void | Promise<void>): void {
    this.rollbacks.push(fn);
  }
}

async function singleWriter(maxId = 0): Promise<MultiWriterIdGenerator> {
  return MultiWriterIdGenerator.singleWriter({
    stream: STREAM,
    instanceName: 'main',
    persistedRows: { maxId: async () => maxId, rowsAfter: async () => [] },
  });
}

describe('MultiWriterIdGenerator', () => {
  it('starts at 2 on an empty stream and continues after MAX(id) otherwise', async () => {
    const empty = await singleWriter();
    expect(empty.currentToken()).toBe(1);
    expect((await empty.getNext()).id).toBe(2);
    const used = await singleWriter(41);
    expect(used.currentToken()).toBe(41);
    expect((await used.getNext()).id).toBe(42);
  });

  it('only advances past contiguous finished ids', async () => {
    const gen = await singleWriter();
    const a = await gen.getNext();
    const b = await gen.getNext();
    await b.finished(true);
    expect(gen.currentToken()).toBe(1);
    await a.finished(false); // a rollback finishes the id too: gaps are allowed
    expect(gen.currentToken()).toBe(3);
    expect(gen.currentTokenFor('main')).toBe(3);
  });

  it('finishes through transaction hooks', async () => {
    const gen = await singleWriter();
    const txn = new FakeTxn();
    const ids = await gen.getNextManyInTxn(txn, 3);
    expect(ids).toEqual([2, 3, 4]);
    expect(gen.currentToken()).toBe(1);
    await Promise.all(txn.commits.map((fn) => fn()));
    expect(gen.currentToken()).toBe(4);
    expect(txn.rollbacks).toHaveLength(1);
  });

  it('refuses to allocate when this instance is not a writer', async () => {
    const gen = await MultiWriterIdGenerator.create({
      stream: STREAM,
      instanceName: 'reader',
      writers: ['w1'],
      sequence: new InProcessSequence(1),
      positionsStore: new MemoryPositionsStore(),
      persistedRows: noRows,
    });
    await expect(gen.getNext()).rejects.toThrow(/not a writer/);
    gen.advance('w1', 7);
    expect(gen.currentToken()).toBe(7);
    expect(gen.currentTokenFor('w1')).toBe(7);
    expect(gen.currentTokenFor('unknown')).toBe(7);
  });

  it('refuses to finish an allocation twice', async () => {
    const gen = await singleWriter();
    const a = await gen.getNext();
    await a.finished(true);
    await expect(a.finished(true)).rejects.toThrow(/finished twice/);
  });

  it('an idle writer does not hold the minimum back and announces the max seen', async () => {
    const positions = new MemoryPositionsStore();
    const sequence = new InProcessSequence(1);
    const make = (me: string) =>
      MultiWriterIdGenerator.create({
        stream: STREAM,
        instanceName: me,
        writers: ['a', 'b'],
        sequence,
        positionsStore: positions,
        persistedRows: noRows,
      });
    const a = await make('a');
    const b = await make('b');
    for (let i = 0; i < 5; i++) await (await b.getNext()).finished(true);
    expect(b.currentTokenFor('b')).toBe(6);
    a.advance('b', b.currentTokenFor('b'));
    expect(a.currentToken()).toBe(6);
    expect(a.currentTokenFor('a')).toBe(6); // what a's POSITION command would carry
    b.advance('a', a.currentTokenFor('a'));
    expect(b.currentToken()).toBe(6);
    expect(await positions.load(STREAM)).toEqual(new Map([['b', 6]]));
  });

  it('on restart, resumes from stream_positions and rows newer than the minimum', async () => {
    const positions = new MemoryPositionsStore();
    await positions.upsert(STREAM, 'a', 10);
    await positions.upsert(STREAM, 'b', 7);
    await positions.upsert(STREAM, 'gone', 3);
    const gen = await MultiWriterIdGenerator.create({
      stream: STREAM,
      instanceName: 'a',
      writers: ['a', 'b'],
      sequence: new InProcessSequence(12),
      positionsStore: positions,
      persistedRows: {
        maxId: async () => 12,
        rowsAfter: async (after) =>
          [
            { streamId: 8, instanceName: 'b' },
            { streamId: 11, instanceName: 'a' },
          ].filter((row) => row.streamId > after),
      },
    });
    expect((await positions.load(STREAM)).has('gone')).toBe(false);
    expect(gen.positions()).toEqual(
      new Map([
        ['a', 12],
        ['b', 7],
      ]),
    );
    expect(gen.currentToken()).toBe(8); // 8 is persisted and contiguous with b's 7
    expect(gen.minimalLocalCurrentToken()).toBe(12);
  });

  it('with no configured writers, anyone writes and positions are not persisted', async () => {
    const positions = new MemoryPositionsStore();
    const gen = await MultiWriterIdGenerator.create({
      stream: 'caches',
      instanceName: 'worker1',
      writers: [],
      sequence: new InProcessSequence(4),
      positionsStore: positions,
      persistedRows: { maxId: async () => 4, rowsAfter: async () => [] },
    });
    expect(gen.currentToken()).toBe(4);
    await (await gen.getNext()).finished(true);
    expect(gen.currentToken()).toBe(5);
    expect((await positions.load('caches')).size).toBe(0);
  });

  it('notifies local progress listeners', async () => {
    const gen = await singleWriter();
    const seen: number[] = [];
    const unsubscribe = gen.onLocalProgress(() => seen.push(gen.currentToken()));
    await (await gen.getNext()).finished(true);
    unsubscribe();
    await (await gen.getNext()).finished(true);
    expect(seen).toEqual([2]);
  });

  describe('property: random interleavings across writers', () => {
    type Cmd =
      | { kind: 'start'; w: number; n: number }
      | { kind: 'return'; w: number; pick: number }
      | { kind: 'finish'; w: number; pick: number; committed: boolean }
      | { kind: 'announce'; from: number; to: number };

    const ALL_WRITERS = ['w0', 'w1', 'w2'];
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      fc.record({
        kind: fc.constant('start' as const),
        w: fc.nat(2),
        n: fc.integer({ min: 1, max: 3 }),
      }),
      fc.record({ kind: fc.constant('return' as const), w: fc.nat(2), pick: fc.nat() }),
      fc.record({
        kind: fc.constant('finish' as const),
        w: fc.nat(2),
        pick: fc.nat(),
        committed: fc.boolean(),
      }),
      // `to` beyond the writers is a reader that is not a writer.
      fc.record({ kind: fc.constant('announce' as const), from: fc.nat(2), to: fc.nat(3) }),
    );

    /** Writer indexes wrap onto the writers in play; announcements go to a writer or the reader. */
    const normalise = (c: Cmd, nWriters: number): Cmd =>
      c.kind === 'announce'
        ? { ...c, from: c.from % nWriters, to: c.to % (nWriters + 1) }
        : { ...c, w: c.w % nWriters };

    it('persistedUpto is monotonic, stays below unfinished ids, and converges', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 2, max: 3 }),
          fc.array(cmd, { maxLength: 60, size: 'max' }),
          async (nWriters, cmds) => {
            const WRITERS = ALL_WRITERS.slice(0, nWriters);
            let caller = '';
            const sequence = new HeldSequence(() => caller);
            const positions = new MemoryPositionsStore();
            const gens: MultiWriterIdGenerator[] = [];
            for (const me of [...WRITERS, 'reader']) {
              gens.push(
                await MultiWriterIdGenerator.create({
                  stream: STREAM,
                  instanceName: me,
                  writers: WRITERS,
                  sequence,
                  positionsStore: positions,
                  persistedRows: noRows,
                }),
              );
            }
            const calls: Array<Array<Promise<IdAllocation>>> = WRITERS.map(() => []);
            const open: IdAllocation[][] = WRITERS.map(() => []);
            const last = gens.map((g) => g.currentToken());

            const check = () => {
              const unfinished = [
                ...open.flatMap((allocs) => allocs.flatMap((a) => a.ids)),
                ...sequence.undeliveredIds(),
              ];
              const lowest = Math.min(...unfinished);
              gens.forEach((g, i) => {
                expect(g.currentToken()).toBeGreaterThanOrEqual(last[i]);
                expect(g.currentToken()).toBeLessThan(lowest);
                last[i] = g.currentToken();
              });
            };
            const returnIds = async (w: number, pick: number) => {
              if (!sequence.release(WRITERS[w], pick)) return;
              // Promises of one writer settle in release order; collect whichever are settled.
              await new Promise((resolve) => setImmediate(resolve));
              const settled = await Promise.all(
                calls[w].map((call) => Promise.race([call, Promise.resolve(null)])),
              );
              calls[w] = calls[w].filter((_, i) => settled[i] === null);
              for (const alloc of settled) if (alloc) open[w].push(alloc);
            };
            const announce = (from: number, to: number) => {
              if (from !== to)
                gens[to].advance(WRITERS[from], gens[from].currentTokenFor(WRITERS[from]));
            };

            for (const raw of cmds) {
              const c = normalise(raw, nWriters);
              if (c.kind === 'start') {
                caller = WRITERS[c.w];
                calls[c.w].push(gens[c.w].getNextMany(c.n));
              } else if (c.kind === 'return') {
                await returnIds(c.w, c.pick);
              } else if (c.kind === 'finish' && open[c.w].length > 0) {
                const [alloc] = open[c.w].splice(c.pick % open[c.w].length, 1);
                await alloc.finished(c.committed);
              } else if (c.kind === 'announce') {
                announce(c.from, c.to);
              }
              check();
            }

            // Drain: every call returns, every transaction ends, positions are exchanged twice.
            for (let w = 0; w < WRITERS.length; w++) {
              while (calls[w].length > 0) await returnIds(w, 0);
            }
            for (const allocs of open) {
              for (const alloc of allocs.splice(0)) await alloc.finished(true);
            }
            check();
            for (let round = 0; round < 2; round++) {
              for (let from = 0; from < WRITERS.length; from++) {
                for (let to = 0; to < gens.length; to++) announce(from, to);
              }
            }
            const maxAllocated = await sequence.lastValue();
            for (const g of gens) expect(g.currentToken()).toBe(maxAllocated);
          },
        ),
        { numRuns: 250 },
      );
    }, 30_000);
  });
});
