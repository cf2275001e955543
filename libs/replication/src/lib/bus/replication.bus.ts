import { Inject, Injectable } from '@nestjs/common';
import type { ReplicationCommand } from '../commands/replication-command';
import { REPLICATION_TRANSPORT, type ReplicationTransport } from './replication-transport';

/**
 * What the rest of the process publishes through. While the bus is down a send is a no-op that
 * is only counted: nobody would hear it, and the reconnection's `REPLICATE` / `POSITION`
 * exchange recovers everything that carries a stream position.
 */
@Injectable()
export class ReplicationBus {
  private unsent = 0;

  constructor(@Inject(REPLICATION_TRANSPORT) private readonly transport: ReplicationTransport) {}

  get connected(): boolean {
    return this.transport.connected;
  }

  /** Identifies the current connection: it changes with every reconnection. */
  get connection(): number {
    return this.transport.stats.connections;
  }

  /** Commands not sent because the bus was down. */
  get unsentCommands(): number {
    return this.unsent;
  }

  send(cmd: ReplicationCommand): boolean {
    const sent = this.transport.publish(cmd);
    if (!sent) this.unsent++;
    return sent;
  }
}
