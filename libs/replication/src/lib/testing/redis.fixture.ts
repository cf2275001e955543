import { randomBytes } from 'node:crypto';
import type { RedisConfig } from '@chat/config';
import Redis from 'ioredis';

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * The shared test Redis (`CHAT_TEST_REDIS_URL`), with a channel prefix of its own for this run
 * (`CHAT_TEST_REDIS_PREFIX`, or a random one) so that tests never hear anyone else.
 */
export function testRedisConfig(): RedisConfig {
  const url = new URL(process.env['CHAT_TEST_REDIS_URL'] || DEFAULT_REDIS_URL);
  return {
    enabled: true,
    host: url.hostname,
    port: Number(url.port || 6379),
    password: url.password ? decodeURIComponent(url.password) : undefined,
    dbid: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined,
    useTls: url.protocol === 'rediss:',
    channelPrefix:
      process.env['CHAT_TEST_REDIS_PREFIX'] || `chat_test_${randomBytes(4).toString('hex')}:`,
  };
}

/** Fails with a clear message when Redis does not answer: tests never skip it. */
export async function assertRedisAnswers(config: RedisConfig): Promise<void> {
  const client = new Redis({
    host: config.host,
    port: config.port,
    password: config.password,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new Error(
      `Redis is not answering at ${config.host}:${config.port} (${String(err)}); start it ` +
        '(see README) — tests never skip it. Set CHAT_TEST_REDIS_URL to use another server.',
    );
  } finally {
    client.disconnect();
  }
}

/** A name no other test uses, for a server name (and so a channel) of its own. */
export function uniqueServerName(): string {
  return `${randomBytes(4).toString('hex')}.test.example`;
}
