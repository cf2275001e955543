import { COMMAND_NAMES } from '../commands/command-names';
import type { ReplicationTransport } from '../bus/replication-transport';
import { ReplicationBus } from '../bus/replication.bus';
import { ReplicationServer } from '../bus/replication.server';
import { ReplicationCommandHandler } from '../core/replication-command.handler';
import { ReplicationDataHandler } from '../core/replication-data.handler';
import { ReplicationStreamer } from '../core/replication.streamer';
import { StreamRegistry } from '../core/stream-registry';
import type { FakeDbStream, FakeRow } from './fake-db-stream.fixture';

export type ReplicatingProcess = Awaited<ReturnType<typeof startReplicatingProcess>>;

/**
 * One simulated process on the bus, wired the way an app wires it: the data handler's steps,
 * REPLICATE then the announcement on every connection, an answer to every REPLICATE, and a poke
 * after every local commit and every applied position (others' progress on a shared sequence
 * can move our own position, §5.4).
 */
export async function startReplicatingProcess<Transport extends ReplicationTransport>(
  transport: Transport,
  stream: FakeDbStream,
) {
  const registry = new StreamRegistry([stream]);
  const bus = new ReplicationBus(transport);
  const streamer = new ReplicationStreamer({ instanceName: transport.instanceName, registry, bus });
  const data = new ReplicationDataHandler(registry);
  /** Rows applied per writer, as `token:label`, in application order. */
  const applied = new Map<string, string[]>();
  data.addHook('invalidateCaches', ({ writer, token, rows }) => {
    const log = applied.get(writer) ?? [];
    applied.set(writer, log);
    for (const row of rows) log.push(`${token}:${(row as FakeRow)[0]}`);
  });
  data.addHook('advancePosition', ({ writer, token }) => stream.advance(writer, token));
  data.addHook('notify', () => void streamer.poke());
  const handler = new ReplicationCommandHandler({ registry, applier: data });
  const server = new ReplicationServer(transport, handler);
  server.addHandler(COMMAND_NAMES.REPLICATE, () => streamer.announcePositions(), true);
  let connectedHookRuns = 0;
  transport.onConnected(() => {
    connectedHookRuns++;
    bus.send({ name: 'REPLICATE' });
  });
  transport.onConnected(() => streamer.announcePositions());
  stream.generator.onLocalProgress(() => void streamer.poke());
  await new Promise<unknown>((resolve, reject) =>
    server.listen((err) => (err ? reject(err) : resolve(undefined))),
  );
  return {
    name: transport.instanceName,
    stream,
    transport,
    handler,
    applied: (writer: string) => applied.get(writer) ?? [],
    connectedHookRuns: () => connectedHookRuns,
    close: () => server.close(),
  };
}
