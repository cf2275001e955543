import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type RunningServer, startServerProcess, testPostgresUrl } from '@chat/testing';
import { Client } from 'pg';

const root = join(__dirname, '../..');
/** Kills a harness run that outlives this (the harness bounds itself; this only guards jest). */
const RUN_LIMIT_MS = 45_000;

interface Latency {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

/** The parts of the harness's JSON these tests read. */
interface BenchJson {
  scenario: string;
  target: Record<string, string>;
  params: Record<string, number>;
  throughput: Record<string, number>;
  latencyMs: Record<string, Latency>;
  counts: Record<string, number>;
  errors: Record<string, number>;
  failures: string[];
  processes: Array<{ name: string; pid: number; cpuSeconds: number; peakRssMiB: number }>;
  details?: { responses: Record<string, { rooms: number; bytes: number }> };
}

interface BenchRun {
  code: number | null;
  stderr: string;
  stdout: string;
  json: BenchJson;
}

/** `npm run bench -- …` as a user runs it: compiles the harness if needed, then runs it. */
function bench(args: string[], env: Record<string, string> = {}): Promise<BenchRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['tools/bench/run.js', ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json = {} as BenchJson;
      try {
        json = JSON.parse(stdout) as BenchJson;
      } catch {
        // left empty: the assertions on `code` show stderr
      }
      resolve({ code, stderr, stdout, json });
    });
  });
}

/** Asserts a clean exit, with the harness's stderr in the failure message. */
function expectSuccess(run: BenchRun): void {
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({
    code: 0,
    stderr: '',
  });
  expect(run.json.errors).toEqual({});
  expect(run.json.failures).toEqual([]);
}

function expectEveryDeliveryOnce(json: BenchJson): void {
  const c = json.counts;
  expect(c['sendsOk']).toBe(c['sendsPlanned']);
  expect(c['missed']).toBe(0);
  expect(c['duplicated']).toBe(0);
  expect(c['delivered']).toBe(c['expectedDeliveries']);
  // Warm-up sends are delivered and checked, not timed; every room here has as many receivers.
  const timedSends = c['sendsOk'] - (c['warmupSends'] ?? 0);
  expect(json.latencyMs['allReceivers'].count).toBe(timedSends);
  expect(json.latencyMs['delivery'].count).toBe((c['delivered'] * timedSends) / c['sendsOk']);
}

interface Front {
  baseUrl: string;
  /** Paths the front refused: the harness asked for something a Synapse front does not serve. */
  refused: string[];
  forwarded: string[];
  close(): Promise<void>;
}

/**
 * A Synapse-shaped front for our server: only `/_matrix/...` and the shared-secret register at
 * Synapse's `/_synapse/admin/v1/register` answer (the latter is our `/_chat/admin/v1/register`).
 */
async function synapseShapedFront(upstream: string): Promise<Front> {
  const refused: string[] = [];
  const forwarded: string[] = [];
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const synapseAdmin = '/_synapse/admin/v1/register';
    const path = url.startsWith('/_matrix/')
      ? url
      : url.startsWith(synapseAdmin)
        ? url.replace('/_synapse/', '/_chat/')
        : undefined;
    if (!path) {
      refused.push(url);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}');
      return;
    }
    forwarded.push(url);
    const upstreamReq = request(
      `${upstream}${path}`,
      { method: req.method, headers: req.headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstreamReq.on('error', () => res.destroy());
    // A long poll the harness gives up on ends upstream too.
    res.on('close', () => upstreamReq.destroy());
    req.pipe(upstreamReq);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused,
    forwarded,
    close: async () => {
      server.closeAllConnections();
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function databaseExists(name: string): Promise<boolean> {
  const client = new Client({ connectionString: testPostgresUrl() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return (rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

describe('bench harness (tools/bench)', () => {
  let server: RunningServer;
  let ours: string[];
  let secretEnv: Record<string, string>;
  const outDir = mkdtempSync(join(tmpdir(), 'chat-bench-e2e-'));

  beforeAll(async () => {
    server = await startServerProcess({ engine: 'sqlite' });
    ours = ['--base-url', server.baseUrl];
    secretEnv = { BENCH_SHARED_SECRET: server.sharedSecret };
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('login: registers users, then logs in + whoami; samples the processes of a pid directory', async () => {
    const pidDir = mkdtempSync(join(tmpdir(), 'chat-bench-pids-'));
    writeFileSync(join(pidDir, 'jest.pid'), String(process.pid));
    const run = await bench(
      [
        ...ours,
        'login',
        '--users',
        '3',
        '--duration',
        '1',
        '--concurrency',
        '2',
        '--seed',
        '11',
        '--pid-dir',
        pidDir,
      ],
      secretEnv,
    );
    expectSuccess(run);
    expect(run.json).toMatchObject({
      scenario: 'login',
      target: {
        prefix: '/chat',
        registration: 'shared-secret',
        adminPath: '/_chat/admin/v1/register',
      },
      params: { users: 3, duration: 1, seed: 11, concurrency: 2 },
      counts: { users: 3, pairsFailed: 0 },
    });
    expect(run.json.counts['pairsOk']).toBeGreaterThan(0);
    expect(run.json.latencyMs['login'].count).toBe(run.json.counts['pairsOk']);
    expect(run.json.latencyMs['whoami'].count).toBe(run.json.counts['pairsOk']);
    expect(run.json.throughput['logins/s']).toBeGreaterThan(0);
    expect(run.json.processes).toEqual([
      expect.objectContaining({ name: 'jest', pid: process.pid }),
    ]);
    expect(run.json.processes[0].peakRssMiB).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/logins\/s/);
  });

  it('sync-latency: every event reaches every client in its room exactly once', async () => {
    const run = await bench(
      [
        ...ours,
        'sync-latency',
        '--clients',
        '4',
        '--rooms',
        '2',
        '--rate',
        '20',
        '--duration',
        '2',
        '--warmup',
        '1',
      ],
      secretEnv,
    );
    expectSuccess(run);
    // The warm-up's 20 sends are delivered and checked too, but only the 40 after it are timed.
    expect(run.json.counts).toMatchObject({
      sendsPlanned: 60,
      warmupSends: 20,
      expectedDeliveries: 120,
    });

    expectEveryDeliveryOnce(run.json);
  });

  it('initial-sync: the first /sync, filtered and not, covers every room', async () => {
    const run = await bench(
      [...ours, 'initial-sync', '--rooms', '3', '--members', '3', '--events', '4', '--runs', '2'],
      secretEnv,
    );
    expectSuccess(run);
    for (const variant of ['lazyLoadFilter', 'noFilter']) {
      expect(run.json.latencyMs[variant].count).toBe(2);
      expect(run.json.details?.responses[variant].rooms).toBe(3);
    }
  });

  it('fanout: one sender, every member gets every event once', async () => {
    const run = await bench(
      [...ours, 'fanout', '--members', '6', '--rate', '10', '--duration', '1', '--warmup', '0'],
      secretEnv,
    );
    expectSuccess(run);
    expect(run.json.counts['expectedDeliveries']).toBe(6 * run.json.counts['sendsOk']);
    expectEveryDeliveryOnce(run.json);
  });

  it('runs unchanged at /_matrix behind a Synapse-shaped front, registering at /_synapse/admin', async () => {
    const front = await synapseShapedFront(server.baseUrl);
    try {
      const run = await bench(
        [
          'sync-latency',
          '--base-url',
          front.baseUrl,
          '--prefix',
          '/_matrix',
          '--admin-path',
          '/_synapse/admin/v1/register',
          '--clients',
          '3',
          '--rooms',
          '1',
          '--rate',
          '10',
          '--duration',
          '1',
          '--warmup',
          '0',
        ],
        secretEnv,
      );
      expectSuccess(run);
      expectEveryDeliveryOnce(run.json);
      expect(front.refused).toEqual([]);
      expect(front.forwarded.some((p) => p.startsWith('/_synapse/admin/v1/register'))).toBe(true);
      expect(front.forwarded.some((p) => p.startsWith('/_matrix/client/v3/sync'))).toBe(true);
    } finally {
      await front.close();
    }
  });

  it('registers through open registration (m.login.dummy) at /_matrix', async () => {
    const run = await bench([
      ...ours,
      'login',
      '--prefix',
      '/_matrix',
      '--registration',
      'dummy',
      '--users',
      '2',
      '--duration',
      '1',
    ]);
    expectSuccess(run);
    expect(run.json.target).toMatchObject({ prefix: '/_matrix', registration: 'dummy' });
    expect(run.json.counts['pairsOk']).toBeGreaterThan(0);
  });

  it('send: R rooms × S senders; the same on a launched PostgreSQL monolith; compare', async () => {
    const sqliteOut = join(outDir, 'sqlite-send.json');
    const sqlite = await bench(
      [...ours, 'send', '--rooms', '2', '--senders', '2', '--duration', '1', '--out', sqliteOut],
      secretEnv,
    );
    expectSuccess(sqlite);
    expect(sqlite.json.counts).toMatchObject({ rooms: 2, senders: 2, failed: 0 });
    expect(sqlite.json.counts['sent']).toBeGreaterThan(0);
    expect(sqlite.json.latencyMs['send'].count).toBe(sqlite.json.counts['sent']);
    expect(sqlite.json.throughput['events/s']).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(sqliteOut, 'utf8'))).toEqual(sqlite.json);

    // Without --base-url the harness starts dist/apps/main/main.js itself and samples it.
    const postgresOut = join(outDir, 'postgres-send.json');
    const postgres = await bench([
      'send',
      '--engine',
      'postgres',
      '--rooms',
      '2',
      '--senders',
      '2',
      '--duration',
      '1',
      '--out',
      postgresOut,
    ]);
    expectSuccess(postgres);
    expect(postgres.json.target['launched']).toBe('postgres');
    expect(postgres.json.counts['sent']).toBeGreaterThan(0);
    expect(postgres.json.processes).toEqual([expect.objectContaining({ name: 'main' })]);
    expect(postgres.json.processes[0].cpuSeconds).toBeGreaterThan(0);
    expect(postgres.json.processes[0].peakRssMiB).toBeGreaterThan(0);
    expect(await databaseExists(postgres.json.target['database'])).toBe(false);

    const compared = await bench(['compare', sqliteOut, postgresOut]);
    expect(compared.code).toBe(0);
    expect(compared.stdout).toMatch(/^throughput\.events\/s +[\d.]+ +[\d.]+ +[\d.]+×$/m);
    expect(compared.stdout).toMatch(/^latencyMs\.send\.p99 /m);
  });

  it('refuses a non-loopback target without --allow-remote, before any request', async () => {
    const run = await bench([
      'send',
      '--base-url',
      'http://192.0.2.1:8008',
      '--registration',
      'dummy',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('192.0.2.1:8008 is not a loopback address: add --allow-remote');
    expect(run.stdout).toBe('');
  });
});
