import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { sleep } from './bounds';

export type Engine = 'sqlite' | 'postgres';

/** Our monolith, started by the harness on a fresh database that `stop()` removes. */
export interface LaunchedServer {
  baseUrl: string;
  sharedSecret: string;
  pid: number;
  /** The PostgreSQL database name or the SQLite file. */
  database: string;
  /** The last lines the server logged (warnings and errors), for a failed run's report. */
  logTail(): string;
  stop(): Promise<void>;
}

const HEALTH_TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 5_000;
const LOG_TAIL_LINES = 30;
const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function postgresAdmin(url: string, sql: string): Promise<void> {
  // Loaded only for --engine postgres, so the harness needs no database driver otherwise.
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The config's database section, and how to remove the database (SQLite's goes with `dir`). */
async function freshDatabase(
  engine: Engine,
  dir: string,
): Promise<{ config: object; name: string; drop: () => Promise<void> }> {
  if (engine === 'sqlite') {
    const file = join(dir, 'bench.db');
    return {
      config: { name: 'sqlite3', args: { database: file } },
      name: file,
      drop: async () => undefined,
    };
  }
  const serverUrl =
    process.env['CHAT_BENCH_POSTGRES_URL'] ||
    process.env['CHAT_TEST_POSTGRES_URL'] ||
    DEFAULT_POSTGRES_URL;
  const name = `chat_bench_${randomBytes(6).toString('hex')}`;
  await postgresAdmin(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    config: { name: 'psycopg2', args: { url: url.toString(), cp_min: 5, cp_max: 10 } },
    name,
    drop: () => postgresAdmin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
}

function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts `dist/apps/main/main.js` on a free loopback port with a fresh database, no rate
 * limits, a random registration secret and open registration, and waits for `/health`.
 * `BENCH_NODE_ARGS` passes flags to the server's node (e.g. `--cpu-prof`).
 */
export async function launchMonolith(engine: Engine, repoRoot: string): Promise<LaunchedServer> {
  const mainPath = resolve(repoRoot, 'dist/apps/main/main.js');
  if (!existsSync(mainPath)) {
    throw new Error(`${mainPath} is missing: run \`npx nx run main:build\` first`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'chat-bench-'));
  const port = await freePort();
  const db = await freshDatabase(engine, dir);
  const sharedSecret = randomBytes(24).toString('hex');
  const unlimited = { per_second: 1e6, burst_count: 1e6 };
  const config = {
    server_name: 'localhost',
    public_baseurl: `http://127.0.0.1:${port}/`,
    listeners: [
      { port, bind_addresses: ['127.0.0.1'], type: 'http', resources: [{ names: ['client'] }] },
    ],
    database: db.config,
    signing_key_path: join(dir, 'signing.key'),
    registration_shared_secret: sharedSecret,
    enable_registration: true,
    enable_registration_without_verification: true,
    log: { level: 'warn' },
    rc_message: unlimited,
    rc_registration: unlimited,
    rc_joins: { local: unlimited, remote: unlimited },
    rc_login: { address: unlimited, account: unlimited, failed_attempts: unlimited },
    rc_invites: { per_room: unlimited, per_user: unlimited, per_issuer: unlimited },
  };
  const configPath = join(dir, 'homeserver.yaml');
  const logPath = join(dir, 'homeserver.log');
  // JSON is YAML: no YAML writer needed.
  await writeFile(configPath, JSON.stringify(config));
  const nodeArgs = process.env['BENCH_NODE_ARGS']?.split(' ').filter(Boolean) ?? [];
  const logFd = openSync(logPath, 'a');
  const child = spawn(process.execPath, [...nodeArgs, mainPath, '-c', configPath], {
    cwd: dir,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      await exited(child);
      clearTimeout(kill);
      try {
        await db.drop();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })());

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    const status = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) {
      const pid = child.pid as number;
      return {
        baseUrl,
        sharedSecret,
        pid,
        database: db.name,
        logTail: () => logTail(logPath),
        stop,
      };
    }
    await sleep(100);
  }
  const tail = logTail(logPath);
  await stop();
  throw new Error(`the server did not become healthy; last lines of its log:\n${tail}`);
}
