import { Logger } from '@nestjs/common';
import { parseCommand } from '../commands/command-codec';
import type { ReplicationCommand } from '../commands/replication-command';
import type {
  ConnectedHook,
  ReplicationTransport,
  ReplicationTransportHandlers,
  TransportStats,
} from './replication-transport';

/** What every transport does alike: connected hooks, parsing inbound lines, dropping echoes. */
export abstract class ReplicationTransportBase implements ReplicationTransport {
  readonly stats: TransportStats = { connections: 0, malformedCommands: 0 };
  protected readonly logger: Logger;
  private readonly connectedHooks: ConnectedHook[] = [];
  private handlers?: ReplicationTransportHandlers;

  protected constructor(
    readonly instanceName: string,
    loggerContext: string,
  ) {
    this.logger = new Logger(loggerContext);
  }

  abstract get connected(): boolean;
  abstract publish(cmd: ReplicationCommand): boolean;
  abstract stop(): Promise<void>;
  protected abstract open(): Promise<void>;

  onConnected(hook: ConnectedHook): void {
    this.connectedHooks.push(hook);
  }

  start(handlers: ReplicationTransportHandlers): Promise<void> {
    this.handlers = handlers;
    return this.open();
  }

  /** One failing hook (say, the presence resync) must not keep `REPLICATE` from going out. */
  protected async runConnectedHooks(): Promise<void> {
    this.stats.connections++;
    for (const hook of this.connectedHooks) {
      try {
        await hook();
      } catch (err) {
        this.logger.error(`replication connected hook failed: ${String(err)}`);
      }
    }
  }

  protected connectionLost(): void {
    this.handlers?.onConnectionLost();
  }

  /** Runs inside the client library's event handlers, so nothing may throw from here. */
  protected receive(line: string): void {
    let cmd: ReplicationCommand;
    try {
      cmd = parseCommand(line);
    } catch (err) {
      this.stats.malformedCommands++;
      this.logger.warn(`dropped a malformed bus line (${String(err)}): ${line.slice(0, 200)}`);
      return;
    }
    if (isEcho(cmd, this.instanceName)) return;
    try {
      this.handlers?.onCommand(cmd);
    } catch (err) {
      this.logger.error(`replication command ${cmd.name} failed: ${String(err)}`);
    }
  }
}

/** Our own publications come back to us; those that carry our name are dropped (§3.1). */
function isEcho(cmd: ReplicationCommand, me: string): boolean {
  switch (cmd.name) {
    case 'RDATA':
    case 'POSITION':
      return cmd.instance === me;
    case 'LOCK_RELEASED':
    case 'HELLO':
      return cmd.instanceName === me;
    default:
      return false;
  }
}
