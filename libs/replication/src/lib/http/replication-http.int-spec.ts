import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstanceLocation } from '@chat/config';
import { MatrixError } from '@chat/protocol';
import { findFreePort, waitUntil } from '@chat/testing';
import { register } from 'prom-client';
import { ReplicationCommandHandler } from '../core/replication-command.handler';
import type { ReplicationStream } from '../core/replication-stream';
import { StreamRegistry } from '../core/stream-registry';
import { FakeDbStream, FakeStreamTable } from '../testing/fake-db-stream.fixture';
import {
  replicationEndpoint,
  STREAM_POSITIONS_KEY,
  type ReplicationRequestContext,
  type ReplicationReply,
} from './replication-endpoint';
import { ServesReplicationEndpoint } from './replication-endpoint.decorator';
import { writerHttpSource } from './stream-updates.endpoint';
import { TxnResponseCache } from './txn-response.cache';
import { MemoryStream } from './testing/memory-stream.fixture';
import {
  rawRequest,
  startReplicationProcess,
  type ReplicationProcess,
} from './testing/replication-process.fixture';

const SECRET = 'correct horse battery staple';
const EVENTS = 'fake_events';
const TYPING = 'typing';

interface EchoReply {
  args: Record<string, string>;
  body: Record<string, unknown>;
  caller?: string;
  txnId?: string;
  runs: number;
}

const ECHO = replicationEndpoint<'room_id' | 'user_id', Record<string, unknown>, EchoReply>({
  name: 'echo',
  pathArgs: ['room_id', 'user_id'],
  onlyOn: 'main',
});
const REFUSE = replicationEndpoint({ name: 'refuse', cacheable: false, onlyOn: 'main' });
const WRITE_EVENT = replicationEndpoint<never, object, { token: number }>({
  name: 'write_event',
  onlyOn: 'main',
});
const SEEN_TYPING = replicationEndpoint<never, object, { seen: number }>({
  name: 'seen_typing',
  onlyOn: 'main',
});
const SLOW = replicationEndpoint<never, object, { runs: number }>({ name: 'slow', onlyOn: 'main' });
const TYPING_ONLY = replicationEndpoint({ name: 'typing_only', onlyOn: 'writer:typing' });
const SEEN_EVENTS = replicationEndpoint<never, object, { seen: number }>({
  name: 'seen_events',
  onlyOn: 'any',
});
const PING = replicationEndpoint({ name: 'ping', cacheable: false, onlyOn: 'any' });
const UNREACHABLE = replicationEndpoint({ name: 'unreachable', onlyOn: 'any' });
const PUT_TAG = replicationEndpoint<'tag', { content: string }, { stored: string }>({
  name: 'put_tag',
  pathArgs: ['tag'],
  method: 'PUT',
  cacheable: false,
  onlyOn: 'main',
});

/** A handler that does not finish until the test lets it. */
class Gate {
  entered = 0;
  private open: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;

  close(): void {
    this.open = new Promise((resolve) => (this.release = resolve));
  }

  async pass(): Promise<void> {
    this.entered++;
    await this.open;
  }

  reopen(): void {
    this.release();
    this.open = Promise.resolve();
  }
}

class MainEndpoints {
  readonly gate = new Gate();
  readonly slowGate = new Gate();
  echoRuns = 0;
  slowRuns = 0;

  constructor(
    private readonly events: FakeDbStream,
    private readonly typing: MemoryStream,
  ) {}

  @ServesReplicationEndpoint(ECHO)
  async echo(
    args: Readonly<Record<'room_id' | 'user_id', string>>,
    body: Record<string, unknown>,
    { caller, txnId }: ReplicationRequestContext,
  ): Promise<ReplicationReply<EchoReply>> {
    await this.gate.pass();
    return { body: { args, body, caller, txnId, runs: ++this.echoRuns } };
  }

  @ServesReplicationEndpoint(REFUSE)
  async refuse(): Promise<never> {
    throw new MatrixError(403, 'M_FORBIDDEN', 'Not yours', { reason: 'test' });
  }

  @ServesReplicationEndpoint(WRITE_EVENT)
  async writeEvent(): Promise<ReplicationReply<{ token: number }>> {
    return { body: { token: await this.events.write(['written by main']) } };
  }

  @ServesReplicationEndpoint(SEEN_TYPING)
  async seenTyping(): Promise<ReplicationReply<{ seen: number }>> {
    return { body: { seen: this.typing.currentToken('worker') } };
  }

  @ServesReplicationEndpoint(SLOW)
  async slow(): Promise<ReplicationReply<{ runs: number }>> {
    this.slowRuns++;
    await this.slowGate.pass();
    return { status: 202, body: { runs: this.slowRuns } };
  }
}

class WorkerEndpoints {
  @ServesReplicationEndpoint(TYPING_ONLY)
  async typingOnly(): Promise<ReplicationReply> {
    return { body: { ok: true } };
  }
}

class ViewerEndpoints {
  constructor(private readonly events: FakeDbStream) {}

  @ServesReplicationEndpoint(SEEN_EVENTS)
  async seenEvents(): Promise<ReplicationReply<{ seen: number }>> {
    return { body: { seen: this.events.currentToken('main') } };
  }

  @ServesReplicationEndpoint(PING)
  async ping(): Promise<ReplicationReply> {
    return { body: { pong: true } };
  }
}

const instanceMap: Record<string, InstanceLocation> = {};
const table = new FakeStreamTable();
let mainEvents: FakeDbStream;
let mainTyping: MemoryStream;
let workerTyping: MemoryStream;
let mainEndpoints: MainEndpoints;
/** Main and a worker that writes typing, both with the secret, on TCP listeners. */
let main: ReplicationProcess;
let worker: ReplicationProcess;
/** On a unix socket, with a short position cap and request timeout. */
let socket: ReplicationProcess;
/** Configured without a secret. */
let unsecured: ReplicationProcess;
let processes: ReplicationProcess[];
/** Which process follows which writer's stream, for `deliverAll`. */
let views: Array<{
  process: ReplicationProcess;
  written: ReplicationStream<unknown>;
  writer: string;
}>;

const auth = { Authorization: `Bearer ${SECRET}` };
const json = (body: unknown) => ({
  headers: { ...auth, 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

/** Every position every process writes reaches every process, as the bus would bring them. */
async function deliverAll(): Promise<void> {
  for (const { process, written, writer } of views) {
    await process.deliver(written.name, writer, written.minimalLocalCurrentToken());
  }
}

/** The client's attempts so far, from its metric. */
async function attempts(endpoint: string, result: string): Promise<number> {
  const metric = await register.getSingleMetric('chat_replication_client_attempts_total')?.get();
  const value = metric?.values.find(
    ({ labels }) => labels['endpoint'] === endpoint && labels['result'] === result,
  );
  return value?.value ?? 0;
}

beforeAll(async () => {
  const eventsOn = (instanceName: string) =>
    FakeDbStream.open(table, { name: EVENTS, instanceName, writers: ['main'] });
  mainEvents = await eventsOn('main');
  const workerEvents = await eventsOn('worker');
  const socketEvents = await eventsOn('socket');
  const unsecuredEvents = await eventsOn('unsecured');
  mainTyping = new MemoryStream(TYPING, 'worker', 'main');
  workerTyping = new MemoryStream(TYPING, 'worker', 'worker');
  mainEndpoints = new MainEndpoints(mainEvents, mainTyping);

  const fast = { positionWaitMs: 3_000, retry: { connectBackoffBaseMs: 1 } };
  main = await startReplicationProcess({
    name: 'main',
    instanceMap,
    secret: SECRET,
    streams: [mainEvents, mainTyping],
    endpoints: [{ provide: MainEndpoints, useValue: mainEndpoints }],
    http: fast,
  });
  worker = await startReplicationProcess({
    name: 'worker',
    instanceMap,
    secret: SECRET,
    streams: [workerEvents, workerTyping],
    endpoints: [WorkerEndpoints],
    http: fast,
  });
  socket = await startReplicationProcess({
    name: 'socket',
    instanceMap,
    secret: SECRET,
    streams: [socketEvents],
    endpoints: [{ provide: ViewerEndpoints, useValue: new ViewerEndpoints(socketEvents) }],
    http: { positionWaitMs: 100, requestTimeoutMs: 300 },
    unixSocket: join(mkdtempSync(join(tmpdir(), 'replication-http-')), 'socket'),
  });
  unsecured = await startReplicationProcess({
    name: 'unsecured',
    instanceMap,
    streams: [unsecuredEvents],
    endpoints: [{ provide: ViewerEndpoints, useValue: new ViewerEndpoints(unsecuredEvents) }],
  });
  processes = [main, worker, socket, unsecured];
  mainTyping.remote = writerHttpSource(main.client, mainTyping);
  views = [
    ...[worker, socket, unsecured].map((process) => ({
      process,
      written: mainEvents,
      writer: 'main',
    })),
    { process: main, written: workerTyping, writer: 'worker' },
  ];
});

afterEach(async () => {
  mainEndpoints.gate.reopen();
  mainEndpoints.slowGate.reopen();
  await deliverAll();
});

afterAll(async () => {
  await Promise.all((processes ?? []).map((process) => process.close()));
});

describe('serving an endpoint', () => {
  it('hands the handler decoded path args, the body without positions, the caller and txn id', async () => {
    const reply = await worker.client.call(
      'main',
      ECHO,
      { room_id: '!room:test.local/ü', user_id: '@alice:test.local' },
      { n: 1 },
    );
    expect(reply).toEqual({
      args: { room_id: '!room:test.local/ü', user_id: '@alice:test.local' },
      body: { n: 1 },
      caller: 'worker',
      txnId: expect.stringMatching(/^[A-Za-z]{10}$/),
      runs: expect.any(Number),
    });
  });

  it("appends the server's own positions to the response", async () => {
    await mainEvents.write(['e']);
    const res = await rawRequest(
      main.replicationAddress,
      'POST',
      '/_chat/replication/echo/r/u/txn1',
      json({}),
    );
    expect(res.status).toBe(200);
    expect(res.body[STREAM_POSITIONS_KEY]).toEqual({
      [EVENTS]: mainEvents.minimalLocalCurrentToken(),
    });
  });

  it('serves a PUT endpoint registered explicitly', async () => {
    main.registry.add(PUT_TAG, async ({ tag }, { content }) => ({
      body: { stored: `${tag}=${content}` },
    }));
    expect(
      await worker.client.call('main', PUT_TAG, { tag: 'm.favourite' }, { content: 'x' }),
    ).toEqual({
      stored: 'm.favourite=x',
    });
  });

  it('is not served on the public listener: 404 like an unknown route, secret or not', async () => {
    const res = await rawRequest(
      main.publicAddress,
      'POST',
      '/_chat/replication/echo/r/u/txn2',
      json({}),
    );
    expect(res).toEqual({
      status: 404,
      body: { errcode: 'M_UNRECOGNIZED', error: expect.any(String) },
    });
  });

  it('mounts an endpoint only where its placement allows', async () => {
    expect(main.registry.mountedNames()).not.toContain('typing_only');
    expect(worker.registry.mountedNames()).toContain('typing_only');
    const onMain = await rawRequest(
      main.replicationAddress,
      'POST',
      '/_chat/replication/typing_only/t1',
      json({}),
    );
    expect(onMain.status).toBe(404);
    expect(onMain.body['errcode']).toBe('M_UNRECOGNIZED');
    const onWorker = await rawRequest(
      worker.replicationAddress,
      'POST',
      '/_chat/replication/typing_only/t1',
      json({}),
    );
    expect(onWorker.status).toBe(200);
    expect(onWorker.body['ok']).toBe(true);
  });

  it.each([
    ['an unknown endpoint', 'POST', '/_chat/replication/nope/t1', 404, 'M_UNRECOGNIZED'],
    ['a missing txn id', 'POST', '/_chat/replication/echo/r/u', 404, 'M_UNRECOGNIZED'],
    ['an extra segment', 'POST', '/_chat/replication/echo/r/u/t/x', 404, 'M_UNRECOGNIZED'],
    ['an empty segment', 'POST', '/_chat/replication/echo/r//t', 404, 'M_UNRECOGNIZED'],
    ['another method', 'GET', '/_chat/replication/echo/r/u/t', 405, 'M_UNRECOGNIZED'],
    // Express refuses the encoding before the controller runs; the platform's filter answers.
    ['a malformed path arg', 'POST', '/_chat/replication/echo/%E0%A4%A/u/t', 400, 'M_BAD_JSON'],
  ])('answers %s with a Matrix error', async (_what, method, path, status, errcode) => {
    const res = await rawRequest(main.replicationAddress, method, path, json({}));
    expect(res).toEqual({ status, body: { errcode, error: expect.any(String) } });
  });

  it.each([
    ['a body that is not JSON', '{"n":', 'M_NOT_JSON'],
    ['a body that is not an object', '[1]', 'M_BAD_JSON'],
    [
      'malformed positions',
      JSON.stringify({ [STREAM_POSITIONS_KEY]: { streams: { x: 'one' } } }),
      'M_BAD_JSON',
    ],
  ])('answers %s with 400 %s', async (_what, body, errcode) => {
    const res = await rawRequest(
      main.replicationAddress,
      'POST',
      '/_chat/replication/echo/r/u/t3',
      {
        headers: { ...auth, 'Content-Type': 'application/json' },
        body,
      },
    );
    expect(res).toEqual({ status: 400, body: { errcode, error: expect.any(String) } });
  });
});

describe('the replication secret', () => {
  const path = '/_chat/replication/echo/r/u/secret';

  it.each([
    ['no Authorization header', {}],
    ['a wrong secret', { Authorization: 'Bearer not the secret' }],
    ['two Authorization headers', { Authorization: [`Bearer ${SECRET}`, `Bearer ${SECRET}`] }],
    ['another scheme', { Authorization: `Basic ${SECRET}` }],
  ])('refuses %s with 403 M_FORBIDDEN', async (_what, headers) => {
    const res = await rawRequest(main.replicationAddress, 'POST', path, { headers, body: '{}' });
    expect(res).toEqual({
      status: 403,
      body: { errcode: 'M_FORBIDDEN', error: expect.any(String) },
    });
  });

  it('lets the right secret through', async () => {
    expect((await rawRequest(main.replicationAddress, 'POST', path, json({}))).status).toBe(200);
  });

  it('is not asked for when none is configured', async () => {
    const res = await rawRequest(unsecured.replicationAddress, 'POST', '/_chat/replication/ping', {
      body: '{}',
    });
    expect(res).toEqual({ status: 200, body: { pong: true, [STREAM_POSITIONS_KEY]: {} } });
    expect(await main.client.call('unsecured', PING, {}, {})).toEqual({ pong: true });
  });
});

describe('the txn id response cache', () => {
  it('answers a repeated txn id from the cache: the handler runs once', async () => {
    const first = await rawRequest(
      main.replicationAddress,
      'POST',
      '/_chat/replication/echo/r/u/again',
      json({ n: 1 }),
    );
    const second = await rawRequest(
      main.replicationAddress,
      'POST',
      '/_chat/replication/echo/r/u/again',
      json({ n: 2 }),
    );
    expect(second.body['runs']).toBe(first.body['runs']);
    expect(second.body['body']).toEqual({ n: 1 });
    const other = await rawRequest(
      main.replicationAddress,
      'POST',
      '/_chat/replication/echo/r/u/other',
      json({}),
    );
    expect(other.body['runs']).toBe((first.body['runs'] as number) + 1);
  });

  it('lets concurrent duplicates share the one run in flight', async () => {
    const wraps = jest.spyOn(main.app.get(TxnResponseCache), 'wrap');
    mainEndpoints.gate.close();
    const entered = mainEndpoints.gate.entered;
    const send = () =>
      rawRequest(main.replicationAddress, 'POST', '/_chat/replication/echo/r/u/twins', json({}));
    const both = Promise.all([send(), send()]);
    await waitUntil('both requests to reach the cache', () => wraps.mock.calls.length === 2);
    mainEndpoints.gate.reopen();
    const [a, b] = await both;
    expect(b.body['runs']).toBe(a.body['runs']);
    expect(mainEndpoints.gate.entered).toBe(entered + 1);
    wraps.mockRestore();
  });

  it('retries a timed-out call with the same txn id, so it runs once', async () => {
    mainEndpoints.slowGate.close();
    const runs = mainEndpoints.slowRuns;
    const timeouts = await attempts('slow', 'timeout');
    const call = socket.client.call('main', SLOW, {}, {});
    await waitUntil(
      'the first attempt to time out',
      async () => (await attempts('slow', 'timeout')) > timeouts,
    );
    mainEndpoints.slowGate.reopen();
    expect(await call).toEqual({ runs: runs + 1 });
    expect(mainEndpoints.slowRuns).toBe(runs + 1);
  });
});

describe('stream positions piggyback', () => {
  it("makes the server wait for the caller's writes before handling", async () => {
    const token = workerTyping.write('alice is typing');
    const waits = jest.spyOn(main.data, 'waitForStreamPosition');
    const call = worker.client.call('main', SEEN_TYPING, {}, {});
    await waitUntil('main to wait for the typing position', () =>
      waits.mock.calls.some(
        ([stream, writer, at]) => stream === TYPING && writer === 'worker' && at === token,
      ),
    );
    expect(mainTyping.currentToken('worker')).toBeLessThan(token);
    await main.deliver(TYPING, 'worker', token);
    expect(await call).toEqual({ seen: token });
    waits.mockRestore();
  });

  it('lets the server go on without them once the cap has passed', async () => {
    const token = await mainEvents.write(['not yet on the socket process']);
    const { seen } = await main.client.call('socket', SEEN_EVENTS, {}, {});
    expect(seen).toBeLessThan(token);
  });

  it("makes the caller wait for the server's writes before returning", async () => {
    const waits = jest.spyOn(worker.data, 'waitForStreamPosition');
    let settled = false;
    const call = worker.client.call('main', WRITE_EVENT, {}, {}).finally(() => (settled = true));
    let token = 0;
    await waitUntil('the worker to wait for the events position', () => {
      const wait = waits.mock.calls.find(
        ([stream, writer]) => stream === EVENTS && writer === 'main',
      );
      token = wait?.[2] ?? 0;
      return wait !== undefined;
    });
    expect(token).toBe(mainEvents.minimalLocalCurrentToken());
    await new Promise(setImmediate);
    expect(settled).toBe(false);
    await worker.deliver(EVENTS, 'main', token);
    expect(await call).toEqual({ token });
    waits.mockRestore();
  });
});

describe('errors and refusals', () => {
  it('re-raises a remote Matrix error as the same error', async () => {
    const error = await worker.client.call('main', REFUSE, {}, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MatrixError);
    expect(error).toMatchObject({ status: 403, errcode: 'M_FORBIDDEN', message: 'Not yours' });
    expect((error as MatrixError).toJSON()).toEqual({
      errcode: 'M_FORBIDDEN',
      error: 'Not yours',
      reason: 'test',
    });
  });

  it('answers 502 after the connection retries when the target is down', async () => {
    instanceMap['dead'] = { host: '127.0.0.1', port: await findFreePort() };
    const error = await main.client.call('dead', UNREACHABLE, {}, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MatrixError);
    expect(error).toMatchObject({
      status: 502,
      errcode: 'M_UNKNOWN',
      message: 'Failed to talk to dead process',
    });
    // The first attempt and five retries.
    expect(await attempts('unreachable', 'connect')).toBe(6);
  });

  it('gives up on a timed-out call at its deadline with 502', async () => {
    mainEndpoints.slowGate.close();
    const error = await socket.client
      .call('main', SLOW, {}, {}, { deadline: Date.now() + 500 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, message: 'Failed to talk to main process' });
  });

  it('refuses to call itself, an instance not in instance_map, or one that cannot serve', async () => {
    await expect(main.client.call('main', PING, {}, {})).rejects.toThrow(/its own/);
    await expect(main.client.call('nowhere', PING, {}, {})).rejects.toThrow(/not in instance_map/);
    await expect(
      main.client.call('worker', ECHO, { room_id: 'r', user_id: 'u' }, {}),
    ).rejects.toThrow(/runs only on main/);
    await expect(main.client.call('socket', TYPING_ONLY, {}, {})).rejects.toThrow(/writer:typing/);
  });
});

describe('get_repl_stream_updates', () => {
  let before: number;
  beforeAll(() => {
    before = workerTyping.minimalLocalCurrentToken();
    for (let i = 1; i <= 250; i++) workerTyping.write(`row ${i}`);
  });

  it("pages the writer's rows in memory, without positions", async () => {
    const to = before + 250;
    const res = await rawRequest(
      worker.replicationAddress,
      'GET',
      `/_chat/replication/get_repl_stream_updates/typing?from_token=${before}&upto_token=${to}`,
      { headers: auth },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      updates: Array.from({ length: 100 }, (_, i) => [before + i + 1, [`row ${i + 1}`]]),
      upto_token: before + 100,
      limited: true,
    });
  });

  it('is what a receiver catches up through', async () => {
    const page = await mainTyping.getUpdatesSince('worker', before + 200, before + 250, 100);
    expect(page).toEqual({
      updates: Array.from({ length: 50 }, (_, i) => [before + 201 + i, [`row ${201 + i}`]]),
      uptoToken: before + 250,
      limited: false,
    });
  });

  it("fills a receiver's gap through the command handler", async () => {
    const applied: number[] = [];
    main.data.addHook('invalidateCaches', ({ stream, rows, token }) => {
      if (stream === TYPING && rows.length > 0) applied.push(token);
    });
    const handler = new ReplicationCommandHandler({
      registry: main.app.get(StreamRegistry),
      applier: main.data,
    });
    const latest = workerTyping.minimalLocalCurrentToken();
    const from = mainTyping.currentToken('worker');
    await handler.onPosition({
      name: 'POSITION',
      stream: TYPING,
      instance: 'worker',
      prevToken: latest - 1,
      newToken: latest,
    });
    expect(applied).toEqual(Array.from({ length: latest - from }, (_, i) => from + 1 + i));
    expect(mainTyping.currentToken('worker')).toBe(latest);
  });

  it.each([
    [
      'a stream it does not write',
      'main',
      'typing?from_token=0&upto_token=1',
      400,
      'M_INVALID_PARAM',
    ],
    [
      'a stream read from the database',
      'worker',
      `${EVENTS}?from_token=0&upto_token=1`,
      400,
      'M_INVALID_PARAM',
    ],
    ['an unknown stream', 'worker', 'nope?from_token=0&upto_token=1', 400, 'M_INVALID_PARAM'],
    ['a missing token', 'worker', 'typing?from_token=0', 400, 'M_MISSING_PARAM'],
    [
      'a token that is not a number',
      'worker',
      'typing?from_token=0&upto_token=x',
      400,
      'M_INVALID_PARAM',
    ],
  ])('refuses %s', async (_what, on, query, status, errcode) => {
    const process = on === 'main' ? main : worker;
    const res = await rawRequest(
      process.replicationAddress,
      'GET',
      `/_chat/replication/get_repl_stream_updates/${query}`,
      { headers: auth },
    );
    expect(res).toEqual({ status, body: { errcode, error: expect.any(String) } });
  });
});
