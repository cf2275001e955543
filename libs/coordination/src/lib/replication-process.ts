import { Logger, type OnModuleDestroy } from '@nestjs/common';

import {
  COMMAND_NAMES,
  ReplicationBus,
  ReplicationCommandHandler,
  ReplicationDataHandler,
  ReplicationServer,
  ReplicationStreamer,
  StreamRegistry,
  registerDbStreams,
  type ReplicationTransport,
} from '@chat/replication';
import type { Storage } from '@chat/storage';
import { isStreamName, STREAM_NAMES, type StreamName } from '@chat/streams';

import type { ReplicatedRowsApplier } from './replicated-rows.applier';

/**
 * Event writers announce their position every second even when idle, so that the others'
 * "persisted up to" over the shared sequence can move on (replication.md §5.4).
 */
const EVENTS_POSITION_INTERVAL_MS = 1_000;

/**
 * This process on the replication bus, wired as replication.md §3 and §11 prescribe: the
 * streams it reads and writes, the receiving side (catch-up, then the applier's steps), the
 * streamer publishing its own writes, and the subscribe → REPLICATE → announce sequence on every
 * (re)connection. The server is the Nest transport strategy the app connects.
 */
export class ReplicationProcess implements OnModuleDestroy {
  readonly server: ReplicationServer;
  readonly data: ReplicationDataHandler;
  readonly bus: ReplicationBus;
  readonly registry: StreamRegistry;
  private readonly streamer: ReplicationStreamer;
  private readonly stopListening: Array<() => void> = [];
  private readonly logger = new Logger(ReplicationProcess.name);

  constructor(
    transport: ReplicationTransport,
    storage: Storage,
    streamWriters: Partial<Record<StreamName, readonly string[]>>,
    applier: ReplicatedRowsApplier,
  ) {
    const instanceName = transport.instanceName;
    const registry = (this.registry = new StreamRegistry([]));
    registerDbStreams(registry, {
      rows: storage.replicationRows,
      idGenerators: storage.idGenerators,
      streamWriters,
      instanceName,
    });
    this.bus = new ReplicationBus(transport);
    const writesEvents = registry
      .writtenBy(instanceName)
      .some((s) => s.name === STREAM_NAMES.events);
    this.streamer = new ReplicationStreamer({
      instanceName,
      registry,
      bus: this.bus,
      pokeIntervalMs: writesEvents ? EVENTS_POSITION_INTERVAL_MS : undefined,
    });
    this.data = new ReplicationDataHandler(registry);
    this.data.addHook('invalidateCaches', (applied) => applier.invalidate(applied));
    this.data.addHook('advancePosition', ({ stream, writer, token }) => {
      if (isStreamName(stream)) storage.idGenerators.get(stream).advance(writer, token);
    });
    this.data.addHook('notify', (applied) => applier.notify(applied));
    // Others' progress on a shared sequence can move our own position (§5.4).
    this.data.addHook('notify', () => void this.streamer.poke());
    const handler = new ReplicationCommandHandler({ registry, applier: this.data });
    this.server = new ReplicationServer(transport, handler);
    this.server.addHandler(COMMAND_NAMES.REPLICATE, () => this.streamer.announcePositions(), true);
    transport.onConnected(() => {
      this.bus.send({ name: COMMAND_NAMES.REPLICATE });
    });
    transport.onConnected(() => this.streamer.announcePositions());
    for (const stream of registry.writtenBy(instanceName)) {
      if (!isStreamName(stream.name)) continue;
      this.stopListening.push(
        storage.idGenerators.get(stream.name).onLocalProgress(() => {
          this.streamer.poke().catch((err: unknown) => {
            this.logger.warn(`publishing ${stream.name} failed: ${String(err)}`);
          });
        }),
      );
    }
  }

  onModuleDestroy(): void {
    for (const stop of this.stopListening) stop();
    this.streamer.stop();
  }
}
