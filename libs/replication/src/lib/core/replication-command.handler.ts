import { Logger } from '@nestjs/common';
import type { PositionCommand, RdataCommand } from '../commands/replication-command';
import type { StreamCommandHandler } from '../bus/replication.server';
import type { RowsApplier } from './replication-data.handler';
import { REPLICATION_PAGE_SIZE, type ReplicationStream } from './replication-stream';
import type { StreamRegistry } from './stream-registry';
import { groupByToken } from './stream-updates';

export interface ReplicationCommandHandlerOptions {
  /** The streams; their declared writers' positions are read once, here, as the starting point. */
  registry: StreamRegistry;
  /** The data handler. */
  applier: RowsApplier;
}

/**
 * The receiving side of the stream commands (replication.md §3.5, normative). Each stream has a
 * FIFO queue: never two commands of one stream at once, so an `RDATA` cannot race the catch-up a
 * `POSITION` started. A writer's rows are applied only once a `POSITION` of that writer has been
 * processed on the current subscription; until then the gap they could leave is unknowable. A
 * `POSITION` reveals gaps between what we applied and what the writer published, and fills them
 * from the stream's source.
 *
 * "What we applied" is tracked here per writer, where §3.5 reads the stream's id tracker. On a
 * stream several processes write, the tracker's `currentToken(writer)` also rises with the
 * global persisted-up-to position that other writers' progress moves (§5.3): it can pass rows of
 * `writer` that were lost on the bus, and a gap check against it would never fetch them.
 */
export class ReplicationCommandHandler implements StreamCommandHandler {
  private readonly logger = new Logger(ReplicationCommandHandler.name);
  /** Tail of each stream's queue. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Per stream and writer: the subscription on which its last `POSITION` was processed. */
  private readonly connectedOn = new Map<string, number>();
  /** Per stream and writer: rows sent as `batch`, waiting for their group's token. */
  private readonly pending = new Map<string, unknown[]>();
  /** Per stream and writer: everything up to this token has been applied (or was there at boot). */
  private readonly applied = new Map<string, number>();
  /** Bumped when the subscription is lost; each command remembers the one it arrived on. */
  private subscription = 0;
  private readonly unknownStreams = new Set<string>();

  constructor(private readonly options: ReplicationCommandHandlerOptions) {
    // Read before anything moves the trackers. A writer first heard of later (caches, which
    // any process writes) starts from the tracker's value at that moment.
    for (const stream of options.registry.all()) {
      for (const writer of stream.writers()) {
        this.applied.set(writerKey(stream.name, writer), stream.currentToken(writer));
      }
    }
  }

  /** A `POSITION` of this writer on this stream was processed on the current subscription. */
  isConnected(stream: string, writer: string): boolean {
    return this.connectedOn.get(writerKey(stream, writer)) === this.subscription;
  }

  /** Resolves once the command has been processed (or dropped); rejects if processing failed. */
  onRdata(cmd: RdataCommand): Promise<void> {
    const stream = this.stream(cmd.stream);
    if (!stream) return Promise.resolve();
    const subscription = this.subscription;
    return this.enqueue(cmd.stream, () => this.processRdata(stream, cmd, subscription));
  }

  onPosition(cmd: PositionCommand): Promise<void> {
    const stream = this.stream(cmd.stream);
    // Dropping here, before the queue, keeps routine positions from waiting behind a catch-up.
    if (!stream || this.discardable(stream, cmd)) return Promise.resolve();
    const subscription = this.subscription;
    return this.enqueue(cmd.stream, () => this.processPosition(stream, cmd, subscription));
  }

  connectionLost(): void {
    this.subscription++;
    this.pending.clear();
  }

  private async processRdata(
    stream: ReplicationStream<unknown>,
    cmd: RdataCommand,
    subscription: number,
  ): Promise<void> {
    const row = stream.parseRow(cmd.row);
    if (subscription !== this.subscription || !this.isConnected(cmd.stream, cmd.instance)) return;
    const key = writerKey(cmd.stream, cmd.instance);
    if (cmd.token === null) {
      this.pending.set(key, [...(this.pending.get(key) ?? []), row]);
      return;
    }
    const rows = [...(this.pending.get(key) ?? []), row];
    this.pending.delete(key);
    if (cmd.token <= this.appliedUpTo(stream, cmd.instance)) return;
    await this.apply(cmd.stream, cmd.instance, cmd.token, rows);
  }

  private async processPosition(
    stream: ReplicationStream<unknown>,
    cmd: PositionCommand,
    subscription: number,
  ): Promise<void> {
    if (this.discardable(stream, cmd)) return;
    const key = writerKey(cmd.stream, cmd.instance);
    this.connectedOn.delete(key);
    this.pending.delete(key);
    let current = this.appliedUpTo(stream, cmd.instance);
    // current > new: the writer's stream was reset (in-memory streams such as typing restart from
    // 0 with their writer), so everything it holds now is new to us.
    if (current > cmd.newToken) current = 0;
    // A gap unless prev <= current <= new.
    let missing = !(cmd.prevToken <= current && current <= cmd.newToken);
    while (missing) {
      const page = await stream.getUpdatesSince(
        cmd.instance,
        current,
        cmd.newToken,
        REPLICATION_PAGE_SIZE,
      );
      for (const [token, rows] of groupByToken(page.updates)) {
        await this.apply(cmd.stream, cmd.instance, token, rows);
      }
      if (page.limited && page.uptoToken <= current) {
        throw new Error(`${cmd.stream} catch-up from ${cmd.instance} is stuck at ${current}`);
      }
      current = page.uptoToken;
      missing = page.limited;
    }
    await this.options.applier.applyRows(cmd.stream, cmd.instance, cmd.newToken, []);
    // The writer's word, even below what we had: a stream that resets starts over from here.
    this.applied.set(key, cmd.newToken);
    if (subscription === this.subscription) this.connectedOn.set(key, subscription);
  }

  private async apply(
    stream: string,
    writer: string,
    token: number,
    rows: unknown[],
  ): Promise<void> {
    await this.options.applier.applyRows(stream, writer, token, rows);
    const key = writerKey(stream, writer);
    this.applied.set(key, Math.max(this.applied.get(key) ?? token, token));
  }

  private appliedUpTo(stream: ReplicationStream<unknown>, writer: string): number {
    const key = writerKey(stream.name, writer);
    const applied = this.applied.get(key) ?? stream.currentToken(writer);
    this.applied.set(key, applied);
    return applied;
  }

  private discardable(stream: ReplicationStream<unknown>, cmd: PositionCommand): boolean {
    return (
      this.isConnected(cmd.stream, cmd.instance) &&
      stream.canDiscardPosition(cmd.instance, cmd.prevToken, cmd.newToken) &&
      cmd.newToken <= this.appliedUpTo(stream, cmd.instance)
    );
  }

  private stream(name: string): ReplicationStream<unknown> | undefined {
    const stream = this.options.registry.get(name);
    if (!stream && !this.unknownStreams.has(name)) {
      this.unknownStreams.add(name);
      this.logger.warn(`ignoring replication stream ${name}: this process does not know it`);
    }
    return stream;
  }

  private enqueue(stream: string, task: () => Promise<void>): Promise<void> {
    const run = (this.queues.get(stream) ?? Promise.resolve()).then(task);
    this.queues.set(
      stream,
      run.catch(() => undefined),
    );
    return run;
  }
}

/**
 * Connection state and batches are kept per writer, where Synapse keeps them per stream: on a
 * stream several processes write, one writer's `POSITION` says nothing about the rows another
 * lost, and another writer's traffic must not break up or discard a batch in progress.
 */
function writerKey(stream: string, writer: string): string {
  return `${stream} ${writer}`;
}
