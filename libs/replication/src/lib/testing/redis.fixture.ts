import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
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

/**
 * A `redis-server` of a test's own, on a port of its choosing, without persistence, so a test
 * can kill it and start it again. Only this process is ever stopped.
 */
export class OwnRedisServer {
  private child?: ChildProcess;

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          child.stdout?.off('data', onData);
          child.stdout?.resume();
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) =>
        reject(new Error(`redis-server on ${this.port} exited (${code}): ${output}`)),
      );
      child.once('error', reject);
    });
  }

  /** SIGKILL: the connections drop as in a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
