import type { ReplicationCommand } from '../commands/replication-command';

/** What a transport hands inbound traffic to; `ReplicationServer` is the usual owner. */
export interface ReplicationTransportHandlers {
  /** A command from the bus, echoes of our own already dropped; a throw is logged, not raised. */
  onCommand(cmd: ReplicationCommand): void;
  /** The subscription was lost: whatever was published meanwhile is gone. */
  onConnectionLost(): void;
}

/** Run after every (re)subscription is confirmed, in registration order (§3.1 steps 3–5). */
export type ConnectedHook = () => void | Promise<void>;

/**
 * The replication bus as seen by one process: every process publishes to and subscribes to the
 * same channels. Delivery is at-most-once, ordered per publisher; losses happen only with a lost
 * subscription, which the handlers hear about, and recovery is the connected hooks' job.
 */
export interface ReplicationTransport {
  readonly instanceName: string;
  /** Subscribed and able to publish. */
  readonly connected: boolean;
  /** Connection counters for metrics. */
  readonly stats: TransportStats;
  onConnected(hook: ConnectedHook): void;
  /** Starts connecting; the connected hooks run once the subscription is confirmed. */
  start(handlers: ReplicationTransportHandlers): Promise<void>;
  /**
   * Hands the command to the bus without waiting; false when not connected (nobody hears it).
   * Throws `CommandFormatError` for a command that cannot be written as a line.
   */
  publish(cmd: ReplicationCommand): boolean;
  stop(): Promise<void>;
}

export interface TransportStats {
  /** Completed subscriptions (the first connection and every reconnection). */
  connections: number;
  /** Inbound lines that did not parse; they are logged and dropped. */
  malformedCommands: number;
}

/** Injection token of the process's `ReplicationTransport`. */
export const REPLICATION_TRANSPORT = Symbol('REPLICATION_TRANSPORT');
