#!/usr/bin/env node
// `npm test`: lint, typecheck, unit and integration tests (SQLite and PostgreSQL), then the
// end-to-end suites one after another. PostgreSQL and Redis must answer: tests never skip an engine.
const { spawn } = require('node:child_process');
const { dirname, join } = require('node:path');

const root = join(__dirname, '..');
const NX_BIN = join(dirname(require.resolve('nx/package.json')), require('nx/package.json').bin.nx);
const postgresUrl =
  process.env.CHAT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.CHAT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Every run gets its own Redis key and channel prefix (tests read CHAT_TEST_REDIS_PREFIX); the keys
// are deleted at the end, so runs on a shared Redis never see each other's data.
const redisPrefix = `chat-test-${require('node:crypto').randomBytes(6).toString('hex')}:`;

async function checkServices() {
  const { Client } = require('pg');
  const pg = new Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5000 });
  try {
    await pg.connect();
    await pg.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not answering at ${postgresUrl} (${error.message}). Start it, or set CHAT_TEST_POSTGRES_URL.`,
    );
  } finally {
    await pg.end().catch(() => undefined);
  }
  const Redis = require('ioredis');
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `Redis is not answering at ${redisUrl} (${error.message}). Start it, or set CHAT_TEST_REDIS_URL.`,
    );
  } finally {
    redis.disconnect();
  }
}

const totals = { passed: 0, failed: 0 };
// eslint-disable-next-line no-control-regex -- colour codes are control characters by definition
const ANSI_ESCAPES = /\x1b\[[0-9;]*m/g;

/** Runs a command, echoing its output and adding up jest's "Tests:" lines. */
function run(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [NX_BIN, ...args, '--output-style=static'], {
      cwd: root,
      env: {
        ...process.env,
        NX_NO_CLOUD: 'true',
        NX_TUI: 'false',
        CHAT_TEST_POSTGRES_URL: postgresUrl,
        CHAT_TEST_REDIS_URL: redisUrl,
        CHAT_TEST_REDIS_PREFIX: redisPrefix,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const count = (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        const m = /^Tests:\s+(?:(\d+) failed, )?(?:\d+ skipped, )?(?:\d+ todo, )?(\d+) passed/.exec(
          line.replace(ANSI_ESCAPES, '').trim(),
        );
        if (m) {
          totals.failed += Number(m[1] ?? 0);
          totals.passed += Number(m[2]);
        }
      }
    };
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      count(chunk);
    });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      count(chunk);
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function dropRedisKeys() {
  const Redis = require('ioredis');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function main() {
  const started = Date.now();
  await checkServices();
  let code = await run(['run-many', '-t', 'lint,typecheck,test', '--exclude=e2e']);
  if (code === 0) code = await run(['run', 'e2e:e2e']);
  await dropRedisKeys();
  console.log(`\nnpm test finished in ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(`Tests: ${totals.passed} passed, ${totals.failed} failed`);
  process.exit(code === 0 && totals.failed === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
