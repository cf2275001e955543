import { Logger } from '@nestjs/common';

import { MatrixError, randomString } from '@chat/protocol';
import type { HelloCommand, ReplicationBus } from '@chat/replication';
import type { TopologyGuard } from '@chat/handlers';

/** Our replication protocol; a different major version cannot share the bus. */
export const REPLICATION_PROTOCOL = '1.0';
/** HELLO goes out this often, and an instance heard within three intervals counts as live. */
export const HELLO_INTERVAL_MS = 60_000;
const LIVE_FOR_MS = 3 * HELLO_INTERVAL_MS;

interface Peer {
  proto: string;
  topologyHash: string;
  app: string;
  heardAt: number;
}

/**
 * Who is on the bus, and whether they agree on the topology (replication.md §11.4). Processes
 * started with different `stream_writers` (an event persister added without restarting every
 * process) would shard rooms differently and fork them: while any live instance disagrees,
 * sharded writes are refused instead.
 */
export class TopologyWatch implements TopologyGuard {
  /** The random per-boot id that USER_SYNC uses too. */
  readonly instanceId = randomString(5);
  private readonly peers = new Map<string, Peer>();
  private readonly logger = new Logger(TopologyWatch.name);

  constructor(
    private readonly self: { instanceName: string; topologyHash: string; app: string },
    private readonly now: () => number = Date.now,
  ) {}

  hello(): HelloCommand {
    return {
      name: 'HELLO',
      instanceName: this.self.instanceName,
      proto: REPLICATION_PROTOCOL,
      topologyHash: this.self.topologyHash,
      app: this.self.app,
      instanceId: this.instanceId,
    };
  }

  /** Sends our HELLO on the bus (on connect, in answer to REPLICATE, and every interval). */
  announce(bus: ReplicationBus): void {
    bus.send(this.hello());
  }

  heard(cmd: HelloCommand): void {
    const known = this.peers.get(cmd.instanceName);
    const peer = {
      proto: cmd.proto,
      topologyHash: cmd.topologyHash,
      app: cmd.app,
      heardAt: this.now(),
    };
    this.peers.set(cmd.instanceName, peer);
    if (this.disagrees(peer) && (!known || !this.disagrees(known))) {
      this.logger.error(
        `${cmd.instanceName} (${cmd.app}) runs another worker topology or protocol ` +
          `(${cmd.topologyHash.slice(0, 12)}…, proto ${cmd.proto}): sharded writes are refused ` +
          'until every process runs the same config; restart them all',
      );
    }
  }

  /** Live instances whose topology or protocol differs from ours. */
  disagreeing(): string[] {
    const cutoff = this.now() - LIVE_FOR_MS;
    return [...this.peers]
      .filter(([, peer]) => peer.heardAt >= cutoff && this.disagrees(peer))
      .map(([name]) => name);
  }

  assertShardedWritesAllowed(): void {
    const others = this.disagreeing();
    if (others.length === 0) return;
    throw new MatrixError(
      503,
      'M_UNKNOWN',
      `The server's processes disagree on their worker topology (${others.join(', ')}); try again later`,
    );
  }

  private disagrees(peer: Peer): boolean {
    return (
      peer.topologyHash !== this.self.topologyHash ||
      major(peer.proto) !== major(REPLICATION_PROTOCOL)
    );
  }
}

function major(proto: string): string {
  return proto.split('.')[0];
}
