import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

import Redis from 'ioredis';
import { register } from 'prom-client';

import type { RedisConfig } from '@chat/config';
import { findFreePort, OwnRedisServer } from '@chat/testing';

import { RedisExternalCache } from './redis-external-cache';

const url = new URL(process.env['CHAT_TEST_REDIS_URL'] || 'redis://127.0.0.1:6379');

/** The test Redis, under a key prefix no other test uses. */
function redisConfig(port = Number(url.port || 6379)): RedisConfig {
  return {
    enabled: true,
    host: url.hostname,
    port,
    useTls: false,
    channelPrefix: `chat_test_${randomBytes(4).toString('hex')}:`,
  };
}

async function lookups(cache: string): Promise<Record<string, number>> {
  const metric = await register.getSingleMetric('chat_external_cache_lookups_total')?.get();
  return Object.fromEntries(
    (metric?.values ?? [])
      .filter((v) => v.labels['cache'] === cache)
      .map((v) => [String(v.labels['result']), v.value]),
  );
}

/**
 * A server that passes for Redis while connecting (answers the ready check) and then never
 * answers again: a Redis that hangs.
 */
async function hungRedis(): Promise<{ port: number; server: Server; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (chunk) => {
      const command = chunk.toString();
      if (/\binfo\b/i.test(command)) {
        const info = 'loading:0\r\n';
        socket.write(`$${info.length}\r\n${info}\r\n`);
      } else if (/\bselect\b/i.test(command)) {
        socket.write('+OK\r\n');
      }
    });
  });
  const port = await findFreePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, server, sockets };
}

describe('RedisExternalCache (redis)', () => {
  const opened: RedisExternalCache[] = [];
  const connect = async (config: RedisConfig) => {
    const cache = await RedisExternalCache.connect(config);
    opened.push(cache);
    return cache;
  };
  let raw: Redis;

  beforeAll(() => {
    raw = new Redis({ host: url.hostname, port: Number(url.port || 6379) });
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((cache) => cache.onApplicationShutdown()));
  });

  afterAll(() => raw.disconnect());

  it('shares JSON values between processes under cache_v1:<prefix><cache>:<key>, with a TTL', async () => {
    const config = redisConfig();
    const [one, other] = [await connect(config), await connect(config)];
    const value = { rooms: [{ room_id: '!a:test', num_joined_members: 2 }] };
    await one.set('public_rooms', 'all', value, 30_000);

    expect(await other.get('public_rooms', 'all')).toEqual(value);
    const key = `cache_v1:${config.channelPrefix}public_rooms:all`;
    expect(JSON.parse((await raw.get(key)) ?? 'null')).toEqual(value);
    const ttl = await raw.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);

    await other.delete('public_rooms', 'all');
    expect(await one.get('public_rooms', 'all')).toBeUndefined();
  });

  it('keeps deployments with different prefixes apart', async () => {
    const [one, other] = [await connect(redisConfig()), await connect(redisConfig())];
    await one.set('public_rooms', 'all', [1], 30_000);
    expect(await other.get('public_rooms', 'all')).toBeUndefined();
  });

  it('counts hits, misses and errors; a value that does not parse misses', async () => {
    const config = redisConfig();
    const cache = await connect(config);
    const name = `counted_${randomBytes(3).toString('hex')}`;
    await cache.set(name, 'k', 'v', 30_000);
    expect(await cache.get(name, 'k')).toBe('v');
    expect(await cache.get(name, 'absent')).toBeUndefined();
    await raw.set(`cache_v1:${config.channelPrefix}${name}:bad`, '{not json', 'PX', 30_000);
    expect(await cache.get(name, 'bad')).toBeUndefined();
    expect(await lookups(name)).toEqual({ hit: 1, miss: 1, error: 1 });
  });

  it('misses, and never fails, while Redis is down', async () => {
    const own = new OwnRedisServer(await findFreePort());
    await own.start();
    const cache = await connect(redisConfig(own.port));
    try {
      await cache.set('public_rooms', 'all', [1], 30_000);
      await own.kill();
      expect(await cache.get('public_rooms', 'all')).toBeUndefined();
      await expect(cache.set('public_rooms', 'all', [2], 30_000)).resolves.toBeUndefined();
      await expect(cache.delete('public_rooms', 'all')).resolves.toBeUndefined();
    } finally {
      await own.kill();
    }
  });

  it('misses when Redis stops answering, after a short wait', async () => {
    const hung = await hungRedis();
    try {
      const cache = await connect(redisConfig(hung.port));
      // Connected (the ready check passed): the lookup is sent and never answered.
      const before = Date.now();
      expect(await cache.get('public_rooms', 'all')).toBeUndefined();
      expect(Date.now() - before).toBeLessThan(5_000);
      await expect(cache.delete('public_rooms', 'all')).resolves.toBeUndefined();
    } finally {
      for (const socket of hung.sockets) socket.destroy();
      hung.server.close();
    }
  });
});
