// Shared by the benchmark scripts: a built main app on a fresh database (a SQLite file, or a new
// PostgreSQL database dropped afterwards), loopback HTTP calls and shared-secret registration.
const { spawn } = require('node:child_process');
const { createHmac } = require('node:crypto');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const SECRET = 'bench-secret';
const root = join(__dirname, '..');
// Long polls return after 30 s at most; anything slower is a request the server lost.
const REQUEST_TIMEOUT_MS = 120_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Database section for the server config, plus how to remove it (SQLite's goes with `dir`). */
async function database(engine, dir) {
  if (engine === 'sqlite') {
    return { config: { name: 'sqlite3', args: { database: join(dir, 'bench.db') } } };
  }
  if (engine !== 'postgres') throw new Error('--engine must be sqlite or postgres');
  const { Client } = require('pg');
  const url = process.env.CHAT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `chat_sync_bench_${process.pid}_${Date.now()}`;
  const admin = async (sql) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  return {
    config: { name: 'psycopg2', args: { url: dbUrl.toString(), cp_min: 5, cp_max: 10 } },
    drop: () => admin(`DROP DATABASE IF EXISTS ${name}`),
  };
}

async function startServer(engine) {
  const dir = mkdtempSync(join(tmpdir(), 'chat-sync-bench-'));
  const port = await freePort();
  const db = await database(engine, dir);
  const unlimited = { per_second: 1e6, burst_count: 1e6 };
  const config = {
    server_name: 'localhost',
    public_baseurl: `http://127.0.0.1:${port}/`,
    listeners: [
      { port, bind_addresses: ['127.0.0.1'], type: 'http', resources: [{ names: ['client'] }] },
    ],
    database: db.config,
    signing_key_path: join(dir, 'signing.key'),
    registration_shared_secret: SECRET,
    log: { level: 'warn' },
    rc_message: unlimited,
    rc_registration: unlimited,
    rc_joins: { local: unlimited, remote: unlimited },
    rc_login: { address: unlimited, account: unlimited, failed_attempts: unlimited },
  };
  const configPath = join(dir, 'homeserver.yaml');
  writeFileSync(configPath, JSON.stringify(config));
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const main = join(root, 'dist/apps/main/main.js');
  const child = spawn(process.execPath, [...nodeArgs, main, '-c', configPath], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    await db.drop?.();
    rmSync(dir, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return { base, stop, pid: child.pid };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('server did not start');
}

/** One JSON request; returns the parsed body and its size on the wire (before decoding). */
async function request(base, method, path, token, body, signal) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return { json: JSON.parse(text), bytes: Buffer.byteLength(text) };
}

async function call(base, method, path, token, body) {
  return (await request(base, method, path, token, body)).json;
}

async function register(base, username) {
  const { nonce } = await call(base, 'GET', '/_chat/admin/v1/register');
  const mac = createHmac('sha1', SECRET)
    .update([nonce, username, 'bench-password', 'notadmin'].join('\0'))
    .digest('hex');
  const res = await call(base, 'POST', '/_chat/admin/v1/register', undefined, {
    nonce,
    username,
    password: 'bench-password',
    admin: false,
    mac,
  });
  return { userId: res.user_id, token: res.access_token };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

module.exports = { startServer, request, call, register, percentile };
