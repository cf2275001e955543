import type {
  IdAllocation,
  PersistedRowsSource,
  PositionsStore,
  SequenceSource,
  TxnHooks,
} from './id-generator.ports';
import { InProcessSequence, MemoryPositionsStore } from './in-memory';
import { MinHeap } from './min-heap';

export interface MultiWriterIdGeneratorOptions<T extends TxnHooks = TxnHooks> {
  stream: string;
  instanceName: string;
  /** Configured writers in order; `[]` means any process writes (caches) and positions are not persisted. */
  writers: readonly string[];
  sequence: SequenceSource<T>;
  positionsStore: PositionsStore;
  persistedRows: PersistedRowsSource;
}

/**
 * Stream id allocator and position tracker for one stream in one process: replication.md §5.3,
 * implemented literally. Ids come from a sequence shared by every writer; the generator tracks
 * which of its own ids are still in open transactions, learns other writers' positions through
 * `advance`, and derives `currentToken()` — the highest id below which everything is final.
 */
export class MultiWriterIdGenerator<T extends TxnHooks = TxnHooks> {
  readonly stream: string;
  readonly instanceName: string;
  readonly writers: readonly string[];

  private readonly sequence: SequenceSource<T>;
  private readonly positionsStore: PositionsStore;
  private readonly persistedRows: PersistedRowsSource;

  private readonly positionsMap = new Map<string, number>();
  private readonly unfinished = new Set<number>();
  /** maxSeenAllocated at the start of each pending sequence call → number of such calls. */
  private readonly inFlight = new Map<number, number>();
  private readonly finishedIds = new Set<number>();
  private readonly knownPersisted = new MinHeap();
  private persistedUpto = 0;
  private maxSeenAllocated = 0;
  private maxLocalPosition = 0;
  private readonly listeners = new Set<() => void>();

  private constructor(opts: MultiWriterIdGeneratorOptions<T>) {
    this.stream = opts.stream;
    this.instanceName = opts.instanceName;
    this.writers = [...opts.writers];
    this.sequence = opts.sequence;
    this.positionsStore = opts.positionsStore;
    this.persistedRows = opts.persistedRows;
  }

  /** Builds a generator and runs the startup load (§5.3 steps 1–6). */
  static async create<T extends TxnHooks = TxnHooks>(
    opts: MultiWriterIdGeneratorOptions<T>,
  ): Promise<MultiWriterIdGenerator<T>> {
    const generator = new MultiWriterIdGenerator(opts);
    await generator.load();
    return generator;
  }

  /**
   * SQLite mode: one writer, ids from an in-process counter seeded from MAX(id) of the stream's
   * tables (streams start at 2, so an empty stream is seeded at 1), positions kept in memory.
   */
  static async singleWriter<T extends TxnHooks = TxnHooks>(opts: {
    stream: string;
    instanceName: string;
    persistedRows: PersistedRowsSource;
  }): Promise<MultiWriterIdGenerator<T>> {
    const maxId = await opts.persistedRows.maxId();
    return MultiWriterIdGenerator.create<T>({
      ...opts,
      writers: [opts.instanceName],
      sequence: new InProcessSequence(Math.max(maxId, 1)),
      positionsStore: new MemoryPositionsStore(),
    });
  }

  get isWriter(): boolean {
    return this.writers.length === 0 || this.writers.includes(this.instanceName);
  }

  /** Allocates one id; call `finished` once the transaction that uses it has ended. */
  async getNext(): Promise<IdAllocation & { id: number }> {
    const allocation = await this.allocate(1);
    return { id: allocation.ids[0], ids: allocation.ids, finished: allocation.finished };
  }

  getNextMany(n: number): Promise<IdAllocation> {
    return this.allocate(n);
  }

  /** Allocates inside `txn` and finishes through its after-commit / on-rollback hooks. */
  async getNextInTxn(txn: T): Promise<number> {
    const [id] = await this.getNextManyInTxn(txn, 1);
    return id;
  }

  async getNextManyInTxn(txn: T, n: number): Promise<number[]> {
    const allocation = await this.allocate(n, txn);
    txn.afterCommit(() => allocation.finished(true));
    txn.onRollback(() => allocation.finished(false));
    return [...allocation.ids];
  }

  /** Another writer's position, learned from replication (`RDATA` / `POSITION`). */
  advance(writer: string, id: number): void {
    this.positionsMap.set(writer, Math.max(this.positionsMap.get(writer) ?? 0, id));
    this.maxSeenAllocated = Math.max(this.maxSeenAllocated, id);
    this.addPersisted(id);
  }

  /** Everything ≤ this, by every writer, is finished. */
  currentToken(): number {
    return this.persistedUpto;
  }

  currentTokenFor(writer: string): number {
    if (writer === this.instanceName) {
      return this.maxLocalPosition;
    }
    return Math.max(this.positionsMap.get(writer) ?? this.persistedUpto, this.persistedUpto);
  }

  /** The last real local write: whether there is anything new to publish. */
  minimalLocalCurrentToken(): number {
    return this.positionsMap.get(this.instanceName) ?? this.persistedUpto;
  }

  positions(): Map<string, number> {
    return new Map(this.positionsMap);
  }

  /** The sequence's allocated maximum, used to bound tokens clients present. */
  maxAllocated(): Promise<number> {
    return this.sequence.lastValue();
  }

  /** Called after local ids finish (the streamer's poke); returns an unsubscribe function. */
  onLocalProgress(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async load(): Promise<void> {
    const me = this.instanceName;
    if (this.writers.length > 0) {
      await this.positionsStore.deleteOthers(this.stream, this.writers);
      const stored = await this.positionsStore.load(this.stream);
      for (const writer of this.writers) {
        const position = stored.get(writer);
        if (position !== undefined) this.positionsMap.set(writer, position);
      }
      if (this.writers.includes(me)) {
        this.positionsMap.set(me, await this.sequence.lastValue());
      }
    }
    if (this.positionsMap.size === 0) {
      this.persistedUpto = Math.max(await this.persistedRows.maxId(), 1);
    } else {
      this.persistedUpto = Math.min(...this.positionsMap.values());
      // Rows newer than the slowest writer's position: covers a crash before stream_positions
      // was updated, and lets gap-free runs above the minimum count as persisted.
      for (const row of await this.persistedRows.rowsAfter(this.persistedUpto)) {
        this.addPersisted(row.streamId);
        if (row.instanceName === me) {
          this.positionsMap.set(me, Math.max(this.positionsMap.get(me) ?? 0, row.streamId));
        }
      }
    }
    for (const writer of this.writers) {
      if (!this.positionsMap.has(writer)) this.positionsMap.set(writer, this.persistedUpto);
    }
    this.maxSeenAllocated = Math.max(...this.positionsMap.values(), this.persistedUpto);
    this.maxLocalPosition = this.maxSeenAllocated;
    if (this.writers.length === 0) {
      this.positionsMap.set(me, this.persistedUpto);
    }
  }

  private async allocate(n: number, txn?: T): Promise<IdAllocation> {
    if (!this.isWriter) {
      throw new Error(
        `${this.instanceName} is not a writer of stream ${this.stream} (writers: ${this.writers.join(', ')})`,
      );
    }
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`cannot allocate ${n} ids`);
    }
    // Guard: until the sequence answers, our future ids may be anything above this value.
    const guard = this.maxSeenAllocated;
    this.inFlight.set(guard, (this.inFlight.get(guard) ?? 0) + 1);
    let ids: number[];
    try {
      ids = await this.sequence.nextIds(n, txn);
      for (const id of ids) {
        this.unfinished.add(id);
        this.maxSeenAllocated = Math.max(this.maxSeenAllocated, id);
      }
    } finally {
      const count = this.inFlight.get(guard) ?? 1;
      if (count <= 1) this.inFlight.delete(guard);
      else this.inFlight.set(guard, count - 1);
    }
    let done = false;
    return {
      ids,
      finished: async (committed: boolean) => {
        if (done) throw new Error(`ids ${ids.join(',')} of ${this.stream} finished twice`);
        done = true;
        this.markFinished(ids);
        for (const listener of this.listeners) listener();
        if (committed && this.writers.length > 0) {
          await this.positionsStore.upsert(
            this.stream,
            this.instanceName,
            this.currentTokenFor(this.instanceName),
          );
        }
      },
    };
  }

  private markFinished(ids: readonly number[]): void {
    const me = this.instanceName;
    for (const id of ids) {
      this.unfinished.delete(id);
      this.finishedIds.add(id);
    }
    let minUnfinished = minOf(this.unfinished.keys());
    const minInFlight = minOf(this.inFlight.keys());
    if (minInFlight !== undefined) {
      minUnfinished = Math.min(minUnfinished ?? Infinity, minInFlight + 1);
    }
    let newPos: number | undefined;
    for (const id of this.finishedIds) {
      if (minUnfinished === undefined || id < minUnfinished) {
        newPos = Math.max(newPos ?? id, id);
        this.finishedIds.delete(id);
      }
    }
    if (newPos !== undefined) {
      this.positionsMap.set(me, Math.max(this.positionsMap.get(me) ?? 0, newPos));
      this.maxLocalPosition = Math.max(this.maxLocalPosition, newPos);
    }
    for (const id of ids) this.addPersisted(id);
  }

  private addPersisted(id: number): void {
    const me = this.instanceName;
    this.knownPersisted.push(id);
    const own = this.positionsMap.get(me);
    let others: number | undefined;
    for (const [writer, position] of this.positionsMap) {
      if (writer !== me) others = Math.min(others ?? position, position);
    }
    others ??= own;
    const busy = this.unfinished.size > 0 || this.inFlight.size > 0;
    // Idle, our own position cannot hold the minimum back: anything we allocate later is larger.
    if (own && busy) others = Math.min(others ?? own, own);
    if (others !== undefined) this.persistedUpto = Math.max(this.persistedUpto, others);
    this.maxLocalPosition = Math.max(this.maxLocalPosition, this.persistedUpto);
    if (!busy) this.maxLocalPosition = Math.max(this.maxLocalPosition, this.maxSeenAllocated);
    for (;;) {
      const next = this.knownPersisted.peek();
      if (next === undefined) break;
      if (next <= this.persistedUpto) {
        this.knownPersisted.pop();
      } else if (next === this.persistedUpto + 1) {
        this.knownPersisted.pop();
        this.persistedUpto += 1;
      } else {
        break;
      }
    }
  }
}

function minOf(values: Iterable<number>): number | undefined {
  let min: number | undefined;
  for (const value of values) min = min === undefined || value < min ? value : min;
  return min;
}
