import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { STREAM_NAMES } from '@chat/streams';
import type { ReplicationBus } from '../bus/replication.bus';
import {
  REPLICATION_PAGE_SIZE,
  type ReplicationStream,
  type StreamUpdates,
} from './replication-stream';
import type { StreamRegistry } from './stream-registry';
import { markBatches } from './stream-updates';

export interface ReplicationStreamerOptions {
  instanceName: string;
  /** Complete at construction: the streamer publishes the streams this instance writes then. */
  registry: StreamRegistry;
  bus: ReplicationBus;
  /**
   * Also poke on this timer (1000 ms on events writers): an idle writer's position moves when
   * other writers allocate from the shared sequence, and others wait for it to say so (§5.4).
   */
  pokeIntervalMs?: number;
}

/**
 * The sending side (replication.md §3.6, normative). Rows are never published at the write site:
 * after a commit the writer pokes the streamer, which reads committed rows back from the stream
 * and publishes them, so publication order is stream order and only committed rows go out.
 */
export class ReplicationStreamer implements OnApplicationShutdown {
  private readonly logger = new Logger(ReplicationStreamer.name);
  private readonly instanceName: string;
  private readonly bus: ReplicationBus;
  private readonly streams: Array<ReplicationStream<unknown>>;
  /** What has been published of each stream. */
  private readonly lastTokens = new Map<string, number>();
  private pendingUpdates = false;
  /** The bus connection our positions were last announced on. */
  private announcedOn = -1;
  /** Cleared synchronously when the loop ends, so a poke can never land on a finished loop. */
  private looping = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly timer?: NodeJS.Timeout;

  constructor(options: ReplicationStreamerOptions) {
    this.instanceName = options.instanceName;
    this.bus = options.bus;
    this.streams = options.registry.writtenBy(options.instanceName);
    for (const stream of this.streams) {
      this.lastTokens.set(stream.name, stream.currentToken(this.instanceName));
    }
    if (options.pokeIntervalMs) {
      this.timer = setInterval(() => void this.poke(), options.pokeIntervalMs).unref();
    }
  }

  /**
   * Others cannot tell we (re)connected or that someone asked (`REPLICATE`): announce a
   * `POSITION` for every stream we write, then publish what is new. Resolves when that is done.
   */
  announcePositions(): Promise<void> {
    if (this.bus.connected) this.announce();
    return this.poke();
  }

  /** Called after every commit that allocated stream ids. Resolves when the loop is done. */
  poke(): Promise<void> {
    const me = this.instanceName;
    if (!this.bus.connected || this.streams.length === 0) {
      // Nobody is listening: keep up, and let the reconnection's announcement cover the gap.
      for (const stream of this.streams) this.lastTokens.set(stream.name, stream.currentToken(me));
      return Promise.resolve();
    }
    if (!this.announced()) this.announce();
    if (this.streams.every((s) => !this.behind(s))) {
      return Promise.resolve();
    }
    this.pendingUpdates = true;
    if (!this.looping) {
      this.looping = true;
      this.loop = this.run();
    }
    return this.loop;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  private async run(): Promise<void> {
    try {
      while (this.pendingUpdates) {
        this.pendingUpdates = false;
        for (const stream of this.streams) {
          if (this.behind(stream)) await this.publishUpdates(stream);
        }
      }
    } catch (err) {
      this.pendingUpdates = false;
      this.logger.error(`replication streamer failed: ${String(err)}`);
    } finally {
      this.looping = false;
    }
  }

  private async publishUpdates(stream: ReplicationStream<unknown>): Promise<void> {
    const last = this.lastToken(stream);
    const { updates, uptoToken, limited } = await this.getUpdates(stream, last);
    this.pendingUpdates ||= limited;
    // The bus went down or came back while we read: this page is covered by the announcement.
    if (!this.bus.connected || !this.announced()) return;
    if (updates.length === 0) {
      // The token moved without rows: unused ids, or other writers advanced the shared
      // sequence. Caches skip it when only others wrote: they announce their own.
      const othersOnly =
        stream.name === STREAM_NAMES.caches && stream.minimalLocalCurrentToken() <= last;
      if (!othersOnly) this.sendPosition(stream, last, uptoToken);
      return;
    }
    for (const [token, row] of markBatches(updates)) {
      this.bus.send({
        name: 'RDATA',
        stream: stream.name,
        instance: this.instanceName,
        token,
        row: stream.encodeRow(row),
      });
    }
    const lastRowToken = updates[updates.length - 1][0];
    if (lastRowToken < uptoToken) this.sendPosition(stream, lastRowToken, uptoToken);
  }

  /** Rows in `(last, current]`, a page at most; moves `lastToken` to what the page covers. */
  private async getUpdates(
    stream: ReplicationStream<unknown>,
    last: number,
  ): Promise<StreamUpdates<unknown>> {
    const current = stream.currentToken(this.instanceName);
    if (last >= stream.minimalLocalCurrentToken()) {
      // No local write since the last publication: only the position moved.
      this.lastTokens.set(stream.name, current);
      return { updates: [], uptoToken: current, limited: false };
    }
    const page = await stream.getUpdatesSince(
      this.instanceName,
      last,
      current,
      REPLICATION_PAGE_SIZE,
    );
    this.lastTokens.set(stream.name, page.uptoToken);
    return page;
  }

  /**
   * Positions go out first on every connection, before any row. §3.6 announces at the top of the
   * next loop turn instead; a turn already running when the bus comes back would then publish
   * newer rows first, and a receiver applying those never sees the gap left by rows lost while
   * the bus was down.
   */
  private announce(): void {
    this.announcedOn = this.bus.connection;
    for (const stream of this.streams) {
      const last = this.lastToken(stream);
      this.sendPosition(stream, last, last);
    }
  }

  private announced(): boolean {
    return this.announcedOn === this.bus.connection;
  }

  private sendPosition(
    stream: ReplicationStream<unknown>,
    prevToken: number,
    newToken: number,
  ): void {
    this.bus.send({
      name: 'POSITION',
      stream: stream.name,
      instance: this.instanceName,
      prevToken,
      newToken,
    });
  }

  private behind(stream: ReplicationStream<unknown>): boolean {
    return this.lastToken(stream) !== stream.currentToken(this.instanceName);
  }

  private lastToken(stream: ReplicationStream<unknown>): number {
    return this.lastTokens.get(stream.name) ?? 0;
  }
}
