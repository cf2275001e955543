import { STREAM_NAMES } from '@chat/streams';
import { findFreePort, OwnRedisServer, waitUntil } from '@chat/testing';
import Redis from 'ioredis';
import type { ReplicationCommand } from '../commands/replication-command';
import { FakeDbStream, FakeStreamTable } from '../testing/fake-db-stream.fixture';
import { assertRedisAnswers, testRedisConfig, uniqueServerName } from '../testing/redis.fixture';
import { startReplicatingProcess } from '../testing/replicating-process.fixture';
import { USER_IP_CHANNEL } from './channels';
import { RedisReplicationTransport } from './redis-replication.transport';

jest.setTimeout(30_000);

const config = testRedisConfig();
const ping = (data: string): ReplicationCommand => ({ name: 'PING', data });
const pings = (heard: ReplicationCommand[]) =>
  heard.flatMap((c) => (c.name === 'PING' ? [c.data] : []));

describe('RedisReplicationTransport', () => {
  const stoppers: Array<() => Promise<void>> = [];

  beforeAll(() => assertRedisAnswers(config));

  afterEach(async () => {
    await Promise.all(stoppers.splice(0).map((stop) => stop()));
  });

  /** A process on the bus that records what it hears; each connection publishes REPLICATE. */
  async function connect(
    serverName: string,
    instanceName: string,
    options: { userIp?: boolean; redis?: typeof config } = {},
  ) {
    const transport = new RedisReplicationTransport({
      redis: options.redis ?? config,
      serverName,
      instanceName,
      extraChannels: options.userIp ? [USER_IP_CHANNEL] : [],
    });
    stoppers.push(() => transport.stop());
    const heard: ReplicationCommand[] = [];
    transport.onConnected(() => void transport.publish({ name: 'REPLICATE' }));
    await transport.start({
      onCommand: (cmd) => heard.push(cmd),
      onConnectionLost: () => undefined,
    });
    await waitUntil(`${instanceName} to connect`, () => transport.connected);
    /** Publishes a marker and waits for `others` to hear it: what we sent before has arrived. */
    const flush = async (data: string, ...others: Array<{ heard: ReplicationCommand[] }>) => {
      transport.publish(ping(data));
      await waitUntil(`marker ${data}`, () => others.every((o) => pings(o.heard).includes(data)));
    };
    return { transport, heard, flush };
  }

  it('carries commands to the other processes and drops the echoes that carry our name', async () => {
    const serverName = uniqueServerName();
    const a = await connect(serverName, 'alpha');
    const b = await connect(serverName, 'beta');
    const sent: ReplicationCommand[] = [
      { name: 'RDATA', stream: 'events', instance: 'alpha', token: 7, row: ['$e', { a: 1 }] },
      { name: 'POSITION', stream: 'events', instance: 'alpha', prevToken: 7, newToken: 9 },
      { name: 'LOCK_RELEASED', instanceName: 'alpha', lockName: 'l', lockKey: 'k' },
      {
        name: 'HELLO',
        instanceName: 'alpha',
        proto: '1.0',
        topologyHash: 'h',
        app: 'main',
        instanceId: 'Xk3Qa',
      },
      { name: 'REMOTE_SERVER_UP', serverName: 'remote.example' },
    ];
    for (const cmd of sent) expect(a.transport.publish(cmd)).toBe(true);

    await a.flush('end', a, b);

    expect(b.heard.filter((c) => c.name !== 'PING' && c.name !== 'REPLICATE')).toEqual(sent);
    expect(a.heard.filter((c) => c.name !== 'PING' && c.name !== 'REPLICATE')).toEqual([
      { name: 'REMOTE_SERVER_UP', serverName: 'remote.example' },
    ]);
  });

  it('delivers USER_IP only to a process subscribed to its channel', async () => {
    const serverName = uniqueServerName();
    const main = await connect(serverName, 'main', { userIp: true });
    const worker = await connect(serverName, 'worker');
    const userIp: ReplicationCommand = {
      name: 'USER_IP',
      userId: '@a:example.com',
      accessToken: 'syt_x',
      ip: '10.0.0.7',
      userAgent: 'Client/1.0',
      deviceId: 'D',
      lastSeen: 1716800000123,
    };

    worker.transport.publish(userIp);
    await worker.flush('end', main, worker);

    expect(main.heard).toContainEqual(userIp);
    expect(worker.heard).not.toContainEqual(userIp);
  });

  it('runs the connected hooks, and so publishes REPLICATE, only once subscribed', async () => {
    const admin = new Redis({ host: config.host, port: config.port, password: config.password });
    stoppers.push(async () => void admin.disconnect());
    const transport = new RedisReplicationTransport({
      redis: config,
      serverName: uniqueServerName(),
      instanceName: 'solo',
    });
    stoppers.push(() => transport.stop());
    const subscribersSeenByHook: unknown[] = [];
    transport.onConnected(async () => {
      subscribersSeenByHook.push(await admin.pubsub('NUMSUB', transport.channel));
      transport.publish({ name: 'REPLICATE' });
    });
    const heard: ReplicationCommand[] = [];
    await transport.start({
      onCommand: (cmd) => heard.push(cmd),
      onConnectionLost: () => undefined,
    });

    // Alone on its channel, it hears its own REPLICATE only if it was subscribed when sent.
    await waitUntil('its own REPLICATE', () => heard.some((c) => c.name === 'REPLICATE'));
    expect(subscribersSeenByHook).toEqual([[transport.channel, 1]]);
  });

  it('counts and logs malformed lines without losing the connection', async () => {
    const serverName = uniqueServerName();
    const p = await connect(serverName, 'p');
    const raw = new Redis({ host: config.host, port: config.port, password: config.password });
    stoppers.push(async () => void raw.disconnect());

    await raw.publish(p.transport.channel, 'BOGUS line');
    await raw.publish(p.transport.channel, 'POSITION events main one 2');
    await raw.publish(p.transport.channel, 'RDATA events main 3 [unclosed');
    await p.flush('end', p);

    expect(p.transport.stats.malformedCommands).toBe(3);
    expect(p.transport.connected).toBe(true);
  });

  it('reconnects after its Redis restarts, resubscribes, reruns the hooks, and loses no row', async () => {
    const server = new OwnRedisServer(await findFreePort());
    await server.start();
    stoppers.push(() => server.kill());
    const redis = { ...config, host: '127.0.0.1', port: server.port };
    const serverName = uniqueServerName();
    const table = new FakeStreamTable();
    const open = async (instanceName: string) => {
      const transport = new RedisReplicationTransport({ redis, serverName, instanceName });
      const stream = await FakeDbStream.open(table, {
        name: STREAM_NAMES.accountData,
        instanceName,
        writers: ['writer'],
      });
      const process = await startReplicatingProcess(transport, stream);
      stoppers.push(process.close);
      return process;
    };
    const writer = await open('writer');
    const reader = await open('reader');
    const caughtUp = () =>
      reader.stream.currentToken('writer') === writer.stream.currentToken('writer');

    for (let i = 0; i < 5; i++) await writer.stream.write([`before ${i}`]);
    await waitUntil('the reader to follow', caughtUp);
    expect(reader.applied('writer')).toEqual(table.rowKeysOf('writer'));

    await server.kill();
    await waitUntil(
      'both to notice',
      () => !writer.transport.connected && !reader.transport.connected,
    );
    for (let i = 0; i < 5; i++) await writer.stream.write([`during ${i}`]);
    const before = reader.stream.currentToken('writer');
    const catchUp = jest.spyOn(reader.stream, 'getUpdatesSince');
    await server.start();

    await waitUntil('both to reconnect', () =>
      [writer, reader].every((p) => p.transport.connected && p.connectedHookRuns() === 2),
    );
    for (let i = 0; i < 5; i++) await writer.stream.write([`after ${i}`]);
    await waitUntil('the reader to catch up', caughtUp, 15_000);

    expect(reader.applied('writer')).toEqual(table.rowKeysOf('writer'));
    expect(table.rowKeysOf('writer')).toHaveLength(15);
    // Rows written while Redis was down never went out; the reader read them back.
    expect(catchUp).toHaveBeenCalledWith('writer', before, expect.any(Number), 100);
    expect([writer, reader].map((p) => p.transport.stats.connections)).toEqual([2, 2]);
  });
});
