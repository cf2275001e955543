import { BaseRpcContext, type CustomTransportStrategy, Server } from '@nestjs/microservices';
import type {
  PositionCommand,
  RdataCommand,
  ReplicationCommand,
} from '../commands/replication-command';
import type { ReplicationTransport } from './replication-transport';

/** Receives the stream commands, which need per-stream ordering that Nest dispatch does not give. */
export interface StreamCommandHandler {
  onRdata(cmd: RdataCommand): Promise<void>;
  onPosition(cmd: PositionCommand): Promise<void>;
  /** The subscription was lost: stream state learned on it no longer holds. */
  connectionLost(): void;
}

/**
 * The bus as a Nest transport strategy (`app.connectMicroservice({ strategy })`). `RDATA` and
 * `POSITION` go to the stream command handler; every other command goes to the
 * `@EventPattern(COMMAND_NAMES.X)` handler registered for it, so interceptors, pipes and exception
 * filters apply. Commands no handler is registered for are ignored: a process hears every
 * command on the bus but acts on a few.
 */
export class ReplicationServer extends Server implements CustomTransportStrategy {
  constructor(
    private readonly transport: ReplicationTransport,
    private readonly streamCommands: StreamCommandHandler,
  ) {
    super();
  }

  listen(callback: (err?: unknown) => void): void {
    this.transport
      .start({
        onCommand: (cmd) => this.dispatch(cmd),
        onConnectionLost: () => this.streamCommands.connectionLost(),
      })
      .then(() => callback(), callback);
  }

  close(): Promise<void> {
    return this.transport.stop();
  }

  /** Bus state is `ReplicationTransport.connected`; there are no server events to listen to. */
  on(): never {
    throw new Error('ReplicationServer has no events');
  }

  unwrap<T>(): T {
    return this.transport as unknown as T;
  }

  private dispatch(cmd: ReplicationCommand): void {
    this.handle(cmd)?.catch((err: unknown) =>
      this.logger.error(`replication command ${cmd.name} failed: ${String(err)}`),
    );
  }

  private handle(cmd: ReplicationCommand): Promise<unknown> | undefined {
    switch (cmd.name) {
      case 'RDATA':
        return this.streamCommands.onRdata(cmd);
      case 'POSITION':
        return this.streamCommands.onPosition(cmd);
      default:
        if (!this.getHandlerByPattern(cmd.name)) return undefined;
        return this.handleEvent(cmd.name, { pattern: cmd.name, data: cmd }, new BaseRpcContext([]));
    }
  }
}
