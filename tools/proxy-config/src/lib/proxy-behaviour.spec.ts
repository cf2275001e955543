import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { type IncomingHttpHeaders, type Server, createServer, request } from 'node:http';
import { type AddressInfo, connect } from 'node:net';

import {
  type ProxyOptions,
  type ProxyProcess,
  type ProxyTopology,
  type RoutingPlan,
  haproxyConfig,
  nginxConfig,
  planPool,
  planRoutes,
} from '@chat/routing';

import {
  nginxArgs,
  proxyBinary,
  proxyDir,
  writeHaproxyCfg,
  writeNginxConf,
} from './proxy-binaries.test-helper';

/**
 * The generated configs in the real proxies: every process is a small HTTP server that answers
 * with its name and what it received, and each request must land on a process of the pool the
 * routing plan names. This is what proves that the regexes, maps and hash keys mean the same in
 * nginx and HAProxy as in the table.
 */

jest.setTimeout(60_000);

interface Echo {
  process: string;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

interface Reply {
  status: number;
  echo?: Echo;
}

const PROCESSES = ['main', 'worker1', 'worker2', 'typing1', 'media1', 'userdir1', 'initial1'];
const MAX_BODY = 4096;
const received: Echo[] = [];
const servers: Server[] = [];
let topology: ProxyTopology;
let plan: RoutingPlan;

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // http.request sends the path as given: no URL normalisation on the client side.
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const echo = res.headers['x-echo'] === '1' ? (JSON.parse(text) as Echo) : undefined;
        resolve({ status: res.statusCode ?? 0, echo });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Waits until the proxy accepts connections (or exits, which fails with what it printed). */
function accepting(port: number, proxy: ChildProcess, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    let attempts = 0;
    proxy.once('exit', (code) => reject(new Error(`proxy exited (${code}):\n${output()}`)));
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (++attempts > 400) reject(new Error(`proxy never listened:\n${output()}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

/** A concrete path a location pattern matches: first alternatives, sample segments. */
function sampleOf(pattern: string): string {
  let path = pattern.replace(/^\^/, '').replace(/\$$/, '').replace('(?!replication)', '');
  for (;;) {
    const inner = path.replace(/\(\?:([^()]*)\)\??/, (_group, body: string) => body.split('|')[0]);
    if (inner === path) break;
    path = inner;
  }
  return path.replace(/\.\*|\[\^\/\]\+/g, '!r:example.org').replace(/\\\./g, '.');
}

function expectOnPool(reply: Reply, method: string, path: string): void {
  const pool = planPool(plan, method, path);
  const members = plan.pools.find((p) => p.name === pool)?.servers.map((s) => s.process);
  expect({ method, path, status: reply.status, process: reply.echo?.process, of: members }).toEqual(
    {
      method,
      path,
      status: 200,
      process: expect.any(String),
      of: expect.arrayContaining([reply.echo?.process]),
    },
  );
}

beforeAll(async () => {
  const ports = new Map<string, number>();
  for (const name of PROCESSES) {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const echo: Echo = {
          process: name,
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
        };
        received.push(echo);
        res.setHeader('x-echo', '1');
        res.end(JSON.stringify(echo));
      });
    });
    servers.push(server);
    ports.set(name, await listen(server));
  }
  const at = (name: string, ...resources: string[]) => [
    { host: '127.0.0.1', port: ports.get(name) ?? 0, resources },
  ];
  const processes: ProxyProcess[] = [
    { name: 'main', app: 'main', listeners: at('main', 'client', 'federation', 'keys', 'media') },
    { name: 'worker1', app: 'generic_worker', listeners: at('worker1', 'client', 'federation') },
    { name: 'worker2', app: 'generic_worker', listeners: at('worker2', 'client', 'federation') },
    { name: 'typing1', app: 'generic_worker', listeners: at('typing1', 'client') },
    { name: 'media1', app: 'media_repository', listeners: at('media1', 'media') },
    { name: 'userdir1', app: 'user_dir', listeners: at('userdir1', 'client') },
    {
      name: 'initial1',
      app: 'generic_worker',
      listeners: at('initial1', 'client'),
      pools: ['initial_sync'],
    },
  ];
  topology = { processes, streamWriters: { typing: ['typing1'] }, usePresence: true };
  plan = planRoutes(topology);
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

describe.each(['nginx', 'haproxy'] as const)('%s with the generated config', (kind) => {
  let proxy: ChildProcess;
  let port: number;
  let dir: string;

  beforeAll(async () => {
    port = await freePort();
    dir = proxyDir(kind);
    const options: ProxyOptions = {
      listen: [`127.0.0.1:${port}`],
      serverName: 'localhost',
      maxBodyBytes: MAX_BODY,
    };
    const args =
      kind === 'nginx'
        ? nginxArgs(dir, writeNginxConf(dir, nginxConfig(topology, options), true))
        : ['-db', '-f', writeHaproxyCfg(dir, haproxyConfig(topology, options))];
    let output = '';
    proxy = spawn(proxyBinary(kind), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proxy.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proxy.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await accepting(port, proxy, () => output);
  });

  afterAll(async () => {
    if (proxy.exitCode === null) {
      const exited = new Promise((resolve) => proxy.once('exit', resolve));
      proxy.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a request for every location to a process of the pool the plan names', async () => {
    for (const location of plan.locations) {
      const path = sampleOf(location.pattern);
      expect(path).toMatch(new RegExp(location.pattern));
      for (const method of ['GET', 'PUT']) {
        expectOnPool(await send(port, method, path), method, path);
      }
    }
    for (const path of [
      '/_matrix/client/v3/sync',
      '/chat/client/r0/sync?since=s1_2',
      '/_matrix/client/v3/sync?since=',
    ]) {
      expectOnPool(await send(port, 'GET', path), 'GET', path);
    }
  });

  it('keeps each user on one worker, whatever the token suffix or where the token is sent', async () => {
    const workers = new Set<string>();
    for (const localpart of [
      'alice',
      'bob',
      'carol',
      'dave',
      'eve',
      'frank',
      'grace',
      'heidi',
      'ivan',
      'judy_x-y',
    ]) {
      const encoded = Buffer.from(localpart).toString('base64url');
      const seen = new Set<string>();
      for (const random of ['AAAA1111', 'bbbbCCCCdddd', 'Zz9']) {
        const token = `cht_${encoded}_${random}`;
        const header = await send(port, 'GET', '/_matrix/client/v3/sync?since=s1', {
          authorization: `Bearer ${token}`,
        });
        const query = await send(
          port,
          'GET',
          `/chat/client/r0/sync?since=s1&access_token=${token}`,
        );
        for (const reply of [header, query])
          seen.add(reply.echo?.process ?? `status ${reply.status}`);
      }
      expect({ localpart, seen: [...seen] }).toEqual({
        localpart,
        seen: [expect.stringMatching(/^worker[12]$/)],
      });
      workers.add([...seen][0]);
    }
    expect(workers.size).toBe(2);
  });

  it('keeps each remote server on one worker, whatever its key or quoting', async () => {
    const workers = new Set<string>();
    for (let n = 0; n < 10; n += 1) {
      const origin = `remote${n}.example.org`;
      const seen = new Set<string>();
      for (const auth of [
        `X-Matrix origin="${origin}",destination="localhost",key="ed25519:a",sig="c2ln"`,
        `X-Matrix origin=${origin},key="ed25519:b",sig="b3RoZXI"`,
        `X-Matrix key="ed25519:c",sig="dGhpcmQ",origin="${origin}",destination="localhost"`,
      ]) {
        const reply = await send(port, 'PUT', `/_matrix/federation/v1/send/txn${n}`, {
          authorization: auth,
        });
        seen.add(reply.echo?.process ?? `status ${reply.status}`);
      }
      expect({ origin, seen: [...seen] }).toEqual({
        origin,
        seen: [expect.stringMatching(/^worker[12]$/)],
      });
      workers.add([...seen][0]);
    }
    expect(workers.size).toBe(2);
  });

  it('keeps each room on one worker for pagination and sends, however the id is spelled', async () => {
    const workers = new Set<string>();
    for (let n = 0; n < 10; n += 1) {
      const room = `!room${n}:example.org`;
      const seen = new Set<string>();
      for (const id of [room, encodeURIComponent(room)]) {
        const messages = await send(port, 'GET', `/_matrix/client/v3/rooms/${id}/messages?dir=b`);
        const sent = await send(
          port,
          'PUT',
          `/chat/client/r0/rooms/${id}/send/m.room.message/t${n}`,
        );
        for (const reply of [messages, sent])
          seen.add(reply.echo?.process ?? `status ${reply.status}`);
      }
      expect({ room, seen: [...seen] }).toEqual({
        room,
        seen: [expect.stringMatching(/^worker[12]$/)],
      });
      workers.add([...seen][0]);
    }
    expect(workers.size).toBe(2);
  });

  it('passes the request line unchanged and says who the client is', async () => {
    const path = '/_matrix/client/v3/rooms/%21abc%3Aexample.org/messages?dir=b&from=t1%7E2';
    const { echo } = await send(port, 'GET', path, { host: 'chat.example.com' });
    expect(echo?.url).toBe(path);
    expect(echo?.headers['host']).toMatch(/^chat\.example\.com/);
    expect(echo?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(echo?.headers['x-forwarded-proto']).toBe('http');
  });

  it('answers 404 itself for replication, however spelled, and for non-API paths', async () => {
    const before = received.length;
    for (const path of [
      '/_chat/replication/ping',
      '/_chat/replication',
      '/_chat//replication/ping',
      '//_chat/replication/ping',
      '/_chat/./replication/ping',
      '/_chat/%72eplication/ping',
      '/metrics',
      '/health',
    ]) {
      expect({ path, status: (await send(port, 'GET', path)).status }).toEqual({
        path,
        status: 404,
      });
    }
    expect(received.length).toBe(before);
  });

  it('refuses bodies above the limit and takes those within it', async () => {
    const upload = '/_matrix/media/v3/upload';
    expect((await send(port, 'POST', upload, {}, Buffer.alloc(MAX_BODY + 1))).status).toBe(413);
    expect((await send(port, 'POST', upload, {}, Buffer.alloc(MAX_BODY))).echo?.process).toBe(
      'media1',
    );
  });
});
