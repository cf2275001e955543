import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { Counter } from 'prom-client';

import type { RedisConfig } from '@chat/config';
import type { ExternalCache } from '@chat/handlers';
import { disconnectRedis, redisConnectionOptions } from '@chat/replication';

/** A cache answer slower than this is a miss: computing the value again beats waiting. */
const COMMAND_TIMEOUT_MS = 500;

let lookups: Counter<'cache' | 'result'> | undefined;

/** `chat_external_cache_lookups_total{cache,result}`: hits, misses and errors (which miss too). */
function lookupsCounter(): Counter<'cache' | 'result'> {
  lookups ??= new Counter({
    name: 'chat_external_cache_lookups_total',
    help: 'Shared (Redis) cache lookups by cache and result (hit, miss, error)',
    labelNames: ['cache', 'result'],
  });
  return lookups;
}

/**
 * The shared cache over Redis (replication.md §7.4), on a connection of its own so that a slow
 * cache never holds up the replication bus. Keys are `cache_v1:<channel prefix><cache>:<key>`,
 * values JSON. Every failure (Redis down, timeout, a value that does not parse) is a miss.
 */
export class RedisExternalCache implements ExternalCache, OnApplicationShutdown {
  private readonly logger = new Logger(RedisExternalCache.name);
  private readonly prefix: string;

  private constructor(
    private readonly client: Redis,
    channelPrefix: string,
  ) {
    this.prefix = `cache_v1:${channelPrefix}`;
    // ioredis reports every failed reconnection attempt; the bus already warns of outages.
    client.on('error', (err: Error) => this.logger.debug(`Redis: ${err.message}`));
  }

  /**
   * Resolves once the first connection attempt is over: a process starts with its cache
   * connected when Redis is up, and keeps trying in the background when it is not.
   */
  static async connect(config: RedisConfig): Promise<RedisExternalCache> {
    const options = await redisConnectionOptions(config);
    const client = new Redis({ ...options, commandTimeout: COMMAND_TIMEOUT_MS, lazyConnect: true });
    const cache = new RedisExternalCache(client, config.channelPrefix ?? '');
    await client.connect().catch(() => undefined);
    return cache;
  }

  async get<T>(cache: string, key: string): Promise<T | undefined> {
    try {
      const text = await this.client.get(this.keyOf(cache, key));
      const value = text === null ? undefined : (JSON.parse(text) as T);
      lookupsCounter().inc({ cache, result: value === undefined ? 'miss' : 'hit' });
      return value;
    } catch (err) {
      lookupsCounter().inc({ cache, result: 'error' });
      this.logger.debug(`get ${cache}: ${String(err)}`);
      return undefined;
    }
  }

  async set(cache: string, key: string, value: unknown, ttlMs: number): Promise<void> {
    try {
      await this.client.set(this.keyOf(cache, key), JSON.stringify(value), 'PX', ttlMs);
    } catch (err) {
      this.logger.debug(`set ${cache}: ${String(err)}`);
    }
  }

  async delete(cache: string, key: string): Promise<void> {
    try {
      await this.client.del(this.keyOf(cache, key));
    } catch (err) {
      // The value stays until it expires: worth a line, as other processes may serve it.
      this.logger.warn(`could not drop ${cache} from the shared cache: ${String(err)}`);
    }
  }

  onApplicationShutdown(): Promise<void> {
    return disconnectRedis(this.client);
  }

  private keyOf(cache: string, key: string): string {
    return `${this.prefix}${cache}:${key}`;
  }
}
