#!/usr/bin/env node
// Event-sending figures for the closing notes until the benchmark harness exists: throughput of
// R rooms × S concurrent senders, and sequential send latency. Starts the built main app on a
// fresh database (SQLite file, or a new PostgreSQL database) and drives it over HTTP.
//
//   node tools/send-bench.js --engine sqlite|postgres [--rooms 50] [--senders 10] [--messages 10]
//                            [--sequential 300]
const { spawn } = require('node:child_process');
const { createHmac } = require('node:crypto');
const { mkdtempSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { parseArgs } = require('node:util');

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'sqlite' },
    rooms: { type: 'string', default: '50' },
    senders: { type: 'string', default: '10' },
    messages: { type: 'string', default: '10' },
    sequential: { type: 'string', default: '300' },
  },
});
const ROOMS = Number(values.rooms);
const SENDERS = Number(values.senders);
const MESSAGES = Number(values.messages);
const SEQUENTIAL = Number(values.sequential);
const SECRET = 'bench-secret';
const root = join(__dirname, '..');

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

async function database(dir) {
  if (values.engine === 'sqlite')
    return { name: 'sqlite3', args: { database: join(dir, 'bench.db') } };
  const { Client } = require('pg');
  const url = process.env.CHAT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `chat_bench_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  return { name: 'psycopg2', args: { url: dbUrl.toString(), cp_min: 5, cp_max: 10 } };
}

async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
  const port = await freePort();
  const unlimited = { per_second: 1e6, burst_count: 1e6 };
  const config = {
    server_name: 'localhost',
    public_baseurl: `http://127.0.0.1:${port}/`,
    listeners: [
      { port, bind_addresses: ['127.0.0.1'], type: 'http', resources: [{ names: ['client'] }] },
    ],
    database: await database(dir),
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
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'dist/apps/main/main.js'), '-c', configPath], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return { base, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('server did not start');
}

async function call(base, method, path, token, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
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
  return res.access_token;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const { base, child } = await startServer();
  try {
    const owner = await register(base, 'owner');
    const senders = [];
    for (let i = 0; i < SENDERS; i++) senders.push(await register(base, `sender${i}`));
    const rooms = [];
    for (let r = 0; r < ROOMS; r++) {
      const { room_id } = await call(base, 'POST', '/chat/client/v3/createRoom', owner, {
        preset: 'public_chat',
      });
      rooms.push(room_id);
      await Promise.all(
        senders.map((t) =>
          call(base, 'POST', `/chat/client/v3/rooms/${encodeURIComponent(room_id)}/join`, t, {}),
        ),
      );
    }
    let txn = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      rooms.flatMap((room) =>
        senders.map(async (token) => {
          for (let m = 0; m < MESSAGES; m++) {
            await call(
              base,
              'PUT',
              `/chat/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.message/t${txn++}`,
              token,
              { msgtype: 'm.text', body: `message ${m}` },
            );
          }
        }),
      ),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const total = ROOMS * SENDERS * MESSAGES;
    const latencies = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const t0 = process.hrtime.bigint();
      await call(
        base,
        'PUT',
        `/chat/client/v3/rooms/${encodeURIComponent(rooms[0])}/send/m.room.message/s${i}`,
        owner,
        { msgtype: 'm.text', body: `seq ${i}` },
      );
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    latencies.sort((a, b) => a - b);
    const result = {
      engine: values.engine,
      concurrent: {
        rooms: ROOMS,
        senders: SENDERS,
        events: total,
        seconds: +seconds.toFixed(2),
        eventsPerSecond: Math.round(total / seconds),
      },
      sequential: {
        sends: SEQUENTIAL,
        p50Ms: +percentile(latencies, 50).toFixed(2),
        p99Ms: +percentile(latencies, 99).toFixed(2),
        maxMs: +latencies[latencies.length - 1].toFixed(2),
      },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    child.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
