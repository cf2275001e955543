import { waitUntil } from '@chat/testing';
import { STREAM_NAMES } from '@chat/streams';
import { COMMAND_NAMES } from '../commands/command-names';
import type { ReplicationCommand } from '../commands/replication-command';
import {
  InProcessReplicationHub,
  InProcessReplicationTransport,
} from '../bus/in-process-replication.transport';
import { ReplicationBus } from '../bus/replication.bus';
import { ReplicationServer } from '../bus/replication.server';
import { FakeDbStream, FakeStreamTable } from '../testing/fake-db-stream.fixture';
import { ReplicationCommandHandler } from './replication-command.handler';
import { ReplicationDataHandler } from './replication-data.handler';
import { ReplicationStreamer } from './replication.streamer';
import { StreamRegistry } from './stream-registry';

/**
 * A writer `w1` of one stream, its streamer announcing on every connection as apps wire it, and
 * an observer on the bus.
 */
async function setup(name: string = STREAM_NAMES.accountData, writers = ['w1']) {
  const hub = new InProcessReplicationHub();
  const table = new FakeStreamTable();
  const stream = await FakeDbStream.open(table, { name, instanceName: 'w1', writers });
  const registry = new StreamRegistry([stream]);
  const transport = new InProcessReplicationTransport(hub, { instanceName: 'w1' });
  const bus = new ReplicationBus(transport);
  const streamer = new ReplicationStreamer({ instanceName: 'w1', registry, bus });
  transport.onConnected(() => streamer.announcePositions());
  const server = new ReplicationServer(
    transport,
    new ReplicationCommandHandler({ registry, applier: new ReplicationDataHandler(registry) }),
  );
  server.addHandler(COMMAND_NAMES.REPLICATE, () => streamer.announcePositions(), true);

  const observer = new InProcessReplicationTransport(hub, { instanceName: 'observer' });
  const heard: ReplicationCommand[] = [];
  await observer.start({ onCommand: (cmd) => heard.push(cmd), onConnectionLost: () => undefined });
  let seen = 0;
  let markers = 0;
  /** What the observer heard from w1 since the last call: w1's order is kept, a PING ends it. */
  const heardFromW1 = async () => {
    const data = `marker-${++markers}`;
    transport.publish({ name: 'PING', data });
    await waitUntil('the marker', () => heard.some((c) => c.name === 'PING' && c.data === data));
    const fresh = heard.slice(seen).filter((c) => c.name !== 'PING' && c.name !== 'REPLICATE');
    seen = heard.length;
    return fresh;
  };
  const position = (prevToken: number, newToken: number): ReplicationCommand => ({
    name: 'POSITION',
    stream: name,
    instance: 'w1',
    prevToken,
    newToken,
  });
  const listen = () =>
    new Promise<unknown>((resolve, reject) =>
      server.listen((err) => (err ? reject(err) : resolve(undefined))),
    );
  return { table, stream, bus, streamer, observer, server, heardFromW1, position, listen };
}

describe('ReplicationStreamer', () => {
  afterEach(() => jest.useRealTimers());

  it('publishes rows sharing a token as batch rows closed by the numeric token', async () => {
    const w = await setup();
    await w.listen();
    expect(await w.heardFromW1()).toEqual([w.position(1, 1)]);
    const single = await w.stream.write(['a']);
    const grouped = await w.stream.write(['b'], ['c'], ['d']);

    await w.streamer.poke();

    const rdata = { name: 'RDATA', stream: w.stream.name, instance: 'w1' };
    expect(await w.heardFromW1()).toEqual([
      { ...rdata, token: single, row: ['a'] },
      { ...rdata, token: null, row: ['b'] },
      { ...rdata, token: null, row: ['c'] },
      { ...rdata, token: grouped, row: ['d'] },
    ]);
  });

  it('publishes a POSITION when the token moved without rows, nothing when nothing moved', async () => {
    const w = await setup();
    await w.listen();
    const written = await w.stream.write(['a']);
    await w.streamer.poke();
    await w.heardFromW1();
    const txn = await w.stream.begin();
    await txn.rollback();

    await w.streamer.poke();
    expect(await w.heardFromW1()).toEqual([w.position(written, txn.token)]);

    await w.streamer.poke();
    expect(await w.heardFromW1()).toEqual([]);
  });

  it('announces its positions on connection and whenever someone sends REPLICATE', async () => {
    const w = await setup();
    const token = await w.stream.write(['a']);
    await w.streamer.poke();

    await w.listen();
    expect(await w.heardFromW1()).toEqual([w.position(token, token)]);

    w.observer.publish({ name: 'REPLICATE' });
    let answer: ReplicationCommand[] = [];
    await waitUntil(
      'the answer to REPLICATE',
      async () => (answer = await w.heardFromW1()).length > 0,
    );
    expect(answer).toEqual([w.position(token, token)]);
  });

  it('keeps up silently while the bus is down; the connection announces where it is', async () => {
    const w = await setup();
    await w.stream.write(['a']);
    const last = await w.stream.write(['b']);
    await w.streamer.poke();
    expect(w.bus.unsentCommands).toBe(0);

    await w.listen();

    expect(await w.heardFromW1()).toEqual([w.position(last, last)]);
  });

  it('announces before any row on a connection, even without the connected hook', async () => {
    const w = await setup();
    const bare = new ReplicationStreamer({
      instanceName: 'w1',
      registry: new StreamRegistry([w.stream]),
      bus: w.bus,
    });
    await w.listen();
    await w.heardFromW1();
    const token = await w.stream.write(['a']);

    await bare.poke();

    expect(await w.heardFromW1()).toEqual([
      w.position(1, 1),
      { name: 'RDATA', stream: w.stream.name, instance: 'w1', token, row: ['a'] },
    ]);
  });

  it('publishes a long backlog in pages of 100 rows, looping while a page was limited', async () => {
    const w = await setup();
    await w.listen();
    await w.heardFromW1();
    for (let i = 0; i < 250; i++) await w.stream.write([`r${i}`]);
    const pages = jest.spyOn(w.stream, 'getUpdatesSince');

    await w.streamer.poke();

    expect(pages.mock.calls.map((call) => [call[1], call[3]])).toEqual([
      [1, 100],
      [101, 100],
      [201, 100],
    ]);
    const heard = await w.heardFromW1();
    expect(heard.map((c) => c.name === 'RDATA' && c.token)).toEqual(
      w.table.rowsOf('w1').map(([token]) => token),
    );
  });

  it('skips the POSITION of caches when only other writers moved the shared sequence', async () => {
    const w = await setup(STREAM_NAMES.caches, []);
    const other = await FakeDbStream.open(w.table, {
      name: STREAM_NAMES.caches,
      instanceName: 'w2',
      writers: [],
    });
    await w.listen();
    await w.heardFromW1();
    const theirs = await other.write(['theirs']);
    w.stream.advance('w2', theirs);
    expect(w.stream.currentToken('w1')).toBe(theirs);

    await w.streamer.poke();
    expect(await w.heardFromW1()).toEqual([]);

    const ours = await w.stream.write(['ours']);
    await w.streamer.poke();
    expect(await w.heardFromW1()).toEqual([
      { name: 'RDATA', stream: STREAM_NAMES.caches, instance: 'w1', token: ours, row: ['ours'] },
    ]);
  });

  it('pokes itself on the optional interval until stopped', async () => {
    jest.useFakeTimers();
    const w = await setup();
    await w.listen();
    const streamer = new ReplicationStreamer({
      instanceName: 'w1',
      registry: new StreamRegistry([w.stream]),
      bus: w.bus,
      pokeIntervalMs: 1000,
    });
    const sent = jest.spyOn(w.bus, 'send');
    const pokes = jest.spyOn(streamer, 'poke');
    const txn = await w.stream.begin();
    await txn.rollback();

    await jest.advanceTimersByTimeAsync(1000);
    expect(pokes).toHaveBeenCalledTimes(1);
    expect(sent).toHaveBeenCalledWith(w.position(1, txn.token));

    streamer.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(5000);
    expect(pokes).toHaveBeenCalledTimes(1);
  });
});
