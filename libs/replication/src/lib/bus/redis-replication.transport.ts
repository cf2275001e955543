import { readFile } from 'node:fs/promises';
import type { RedisConfig } from '@chat/config';
import Redis, { type RedisOptions } from 'ioredis';
import { serializeCommand } from '../commands/command-codec';
import type { ReplicationCommand } from '../commands/replication-command';
import { type ChannelSuffix, channelSuffixFor } from './channels';
import { ReplicationTransportBase } from './transport-base';

/** Reconnect forever, backing off to at most this (§3.1). */
const MAX_RECONNECT_DELAY_MS = 5_000;

export interface RedisReplicationTransportOptions {
  redis: RedisConfig;
  serverName: string;
  instanceName: string;
  /** Suffix channels to hear besides the base one; subscribing later could miss messages. */
  extraChannels?: readonly ChannelSuffix[];
}

/**
 * The bus over Redis pub/sub (replication.md §3.1). A subscribed connection cannot issue other
 * commands, so there are two: the publisher and the subscriber. The subscription is ours to
 * manage (`autoResubscribe` off): after every reconnection we SUBSCRIBE, wait for Redis to confirm
 * it, and only then run the connected hooks, because a `REPLICATE` sent earlier would have its
 * answers published to nobody.
 */
export class RedisReplicationTransport extends ReplicationTransportBase {
  /** The base channel, `<prefix><server_name>`. */
  readonly channel: string;
  private publisher?: Redis;
  private subscriber?: Redis;
  /** Bumped when the subscriber closes: a SUBSCRIBE answered on an older connection is void. */
  private subscriberGeneration = 0;
  private subscribed = false;
  private bringUpRequested = false;
  private bringingUp = false;
  private stopped = false;
  /** One warning per outage, not one per reconnection attempt. */
  private outageReported = false;

  constructor(private readonly options: RedisReplicationTransportOptions) {
    super(options.instanceName, RedisReplicationTransport.name);
    this.channel = `${options.redis.channelPrefix ?? ''}${options.serverName}`;
  }

  get connected(): boolean {
    return !this.stopped && this.subscribed && this.publisher?.status === 'ready';
  }

  publish(cmd: ReplicationCommand): boolean {
    const line = serializeCommand(cmd);
    if (!this.connected || !this.publisher) return false;
    // Not awaited: one connection keeps the order, and a publish caught in a reconnection would
    // hold up the caller (the streamer's loop) for nothing — the bus is at-most-once anyway.
    this.publisher
      .publish(`${this.channel}${channelSuffixFor(cmd)}`, line)
      .catch((err: unknown) => this.logger.debug(`publish of ${cmd.name} failed: ${String(err)}`));
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.subscribed = false;
    await Promise.all(
      [this.subscriber, this.publisher].map((conn) => conn && disconnectRedis(conn)),
    );
  }

  protected async open(): Promise<void> {
    const options = await redisConnectionOptions(this.options.redis);
    if (this.stopped) return;
    const publisher = new Redis(options);
    const subscriber = new Redis({ ...options, autoResubscribe: false });
    this.publisher = publisher;
    this.subscriber = subscriber;
    for (const conn of [publisher, subscriber]) {
      conn.on('ready', () => this.requestBringUp());
      conn.on('error', (err: Error) => this.reportOutage(err.message));
    }
    publisher.on('close', () => this.reportOutage('publisher connection closed'));
    subscriber.on('close', () => this.subscriberClosed());
    subscriber.on('message', (_channel: string, line: string) => this.receive(line));
  }

  private subscriberClosed(): void {
    this.subscriberGeneration++;
    if (this.stopped) return;
    this.reportOutage('subscriber connection closed');
    if (this.subscribed) {
      this.subscribed = false;
      this.connectionLost();
    }
  }

  private reportOutage(reason: string): void {
    if (this.stopped || this.outageReported) return;
    this.outageReported = true;
    this.logger.warn(`replication bus: ${reason}; reconnecting to Redis`);
  }

  /** Both connections' `ready` events ask; the one that finds both ready does the work. */
  private requestBringUp(): void {
    this.bringUpRequested = true;
    if (!this.bringingUp) void this.bringUp();
  }

  private async bringUp(): Promise<void> {
    this.bringingUp = true;
    try {
      while (this.bringUpRequested && !this.stopped) {
        this.bringUpRequested = false;
        const { publisher, subscriber } = this;
        if (publisher?.status !== 'ready' || subscriber?.status !== 'ready') continue;
        if (!this.subscribed) {
          const generation = this.subscriberGeneration;
          try {
            await subscriber.subscribe(...this.channels());
          } catch (err) {
            // The connection went away mid-SUBSCRIBE; its next `ready` asks again.
            this.logger.debug(`SUBSCRIBE failed: ${String(err)}`);
            continue;
          }
          if (generation !== this.subscriberGeneration) continue;
          this.subscribed = true;
        }
        if (this.outageReported) this.logger.log('replication bus: connected to Redis');
        this.outageReported = false;
        await this.runConnectedHooks();
      }
    } finally {
      this.bringingUp = false;
    }
  }

  private channels(): string[] {
    return [this.channel, ...(this.options.extraChannels ?? []).map((s) => `${this.channel}${s}`)];
  }
}

/** How every connection of a process to the configured Redis is made. */
export async function redisConnectionOptions(config: RedisConfig): Promise<RedisOptions> {
  const password = config.passwordPath
    ? (await readFile(config.passwordPath, 'utf8')).trim()
    : config.password;
  return {
    ...(config.path ? { path: config.path } : { host: config.host, port: config.port }),
    db: config.dbid ?? 0,
    password,
    tls: config.useTls ? {} : undefined,
    enableReadyCheck: true,
    // A command while down fails at once (a publish is dropped, a cache lookup misses), never
    // a queue that floods Redis on reconnection.
    enableOfflineQueue: false,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  };
}

/** Resolves once the connection has ended; one waiting to reconnect has no socket to close. */
export function disconnectRedis(conn: Redis): Promise<void> {
  if (conn.status === 'end' || conn.status === 'reconnecting') {
    conn.disconnect();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    conn.once('end', () => resolve());
    conn.disconnect();
  });
}
