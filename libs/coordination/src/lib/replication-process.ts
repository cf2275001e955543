import { Logger, type OnModuleDestroy } from '@nestjs/common';

import {
  COMMAND_NAMES,
  type HelloCommand,
  ReplicationBus,
  ReplicationCommandHandler,
  ReplicationDataHandler,
  ReplicationServer,
  ReplicationStreamer,
  StreamRegistry,
  registerDbStreams,
  type ReplicationCommand,
  type ReplicationStream,
  type ReplicationTransport,
} from '@chat/replication';
import type { Storage } from '@chat/storage';
import { isStreamName, STREAM_NAMES, type StreamName } from '@chat/streams';

import type { ReplicatedRowsApplier } from './replicated-rows.applier';
import { HELLO_INTERVAL_MS, type TopologyWatch } from './topology-watch';

/**
 * Event writers announce their position every second even when idle, so that the others'
 * "persisted up to" over the shared sequence can move on (replication.md §5.4).
 */
const EVENTS_POSITION_INTERVAL_MS = 1_000;

/** A stream held in this process's memory (typing): it says when its own writes moved it. */
export type MemoryReplicationStream = ReplicationStream<unknown> & {
  onLocalProgress(listener: () => void): () => void;
};

type CommandOf<Name extends ReplicationCommand['name']> = Extract<
  ReplicationCommand,
  { name: Name }
>;

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
  private readonly resyncListeners = new Set<() => void>();
  private readonly helloTimer: NodeJS.Timeout;
  private readonly logger = new Logger(ReplicationProcess.name);

  constructor(
    transport: ReplicationTransport,
    storage: Storage,
    streamWriters: Partial<Record<StreamName, readonly string[]>>,
    applier: ReplicatedRowsApplier,
    readonly topology: TopologyWatch,
    memoryStreams: readonly MemoryReplicationStream[] = [],
  ) {
    const instanceName = transport.instanceName;
    const registry = (this.registry = new StreamRegistry([]));
    registerDbStreams(registry, {
      rows: storage.replicationRows,
      idGenerators: storage.idGenerators,
      streamWriters,
      instanceName,
    });
    for (const stream of memoryStreams) registry.register(stream);
    const idStreams = new Set<string>(storage.idGenerators.streams());
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
      // Memory streams keep their position with their rows (the applier's notify step).
      if (isStreamName(stream) && idStreams.has(stream)) {
        storage.idGenerators.get(stream).advance(writer, token);
      }
    });
    this.data.addHook('notify', (applied) => applier.notify(applied));
    // Others' progress on a shared sequence can move our own position (§5.4).
    this.data.addHook('notify', () => void this.streamer.poke());
    const handler = new ReplicationCommandHandler({ registry, applier: this.data });
    this.server = new ReplicationServer(transport, handler);
    this.server.addHandler(
      COMMAND_NAMES.REPLICATE,
      () => {
        topology.announce(this.bus);
        this.resync();
        return this.streamer.announcePositions();
      },
      true,
    );
    this.server.addHandler(
      COMMAND_NAMES.HELLO,
      async (cmd: HelloCommand) => topology.heard(cmd),
      true,
    );
    transport.onConnected(() => {
      topology.announce(this.bus);
      this.bus.send({ name: COMMAND_NAMES.REPLICATE });
    });
    this.helloTimer = setInterval(() => topology.announce(this.bus), HELLO_INTERVAL_MS);
    this.helloTimer.unref();
    transport.onConnected(() => this.streamer.announcePositions());
    transport.onConnected(() => this.resync());
    const publish = (name: string) => () => {
      this.streamer.poke().catch((err: unknown) => {
        this.logger.warn(`publishing ${name} failed: ${String(err)}`);
      });
    };
    for (const stream of registry.writtenBy(instanceName)) {
      const memory = memoryStreams.find((s) => s.name === stream.name);
      if (memory) {
        this.stopListening.push(memory.onLocalProgress(publish(stream.name)));
      } else if (isStreamName(stream.name) && idStreams.has(stream.name)) {
        this.stopListening.push(
          storage.idGenerators.get(stream.name).onLocalProgress(publish(stream.name)),
        );
      }
    }
  }

  /** Handles other processes' `name` commands, for the commands that are not stream data. */
  onCommand<Name extends ReplicationCommand['name']>(
    name: Name,
    handler: (cmd: CommandOf<Name>) => void,
  ): void {
    this.server.addHandler(name, async (cmd: CommandOf<Name>) => handler(cmd), true);
  }

  /**
   * Calls `listener` whenever what others hold about this process may have been lost: this
   * process (re)connected to the bus, or another one joined it and asked for positions.
   */
  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  onModuleDestroy(): void {
    clearInterval(this.helloTimer);
    for (const stop of this.stopListening) stop();
    this.streamer.stop();
  }

  private resync(): void {
    for (const listener of this.resyncListeners) {
      try {
        listener();
      } catch (err) {
        this.logger.warn(`resync failed: ${String(err)}`);
      }
    }
  }
}
