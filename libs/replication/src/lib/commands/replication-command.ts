import type { CommandName } from './command-names';

/** Identity check on connect (legacy TCP; unused with Redis). */
export interface ServerCommand {
  name: 'SERVER';
  serverName: string;
}

/** Label for a connection (legacy TCP; unused with Redis). */
export interface NameCommand {
  name: 'NAME';
  clientName: string;
}

/** Keepalive; the payload is opaque, usually a time in milliseconds. */
export interface PingCommand {
  name: 'PING';
  data: string;
}

export interface ErrorCommand {
  name: 'ERROR';
  message: string;
}

/** "Everyone, announce your stream positions": each writer answers with `POSITION`s. */
export interface ReplicateCommand {
  name: 'REPLICATE';
}

/** One row of a stream. `token` null is the wire's `batch`: more rows with the same token follow. */
export interface RdataCommand {
  name: 'RDATA';
  stream: string;
  instance: string;
  token: number | null;
  /** The row's JSON as sent; the stream's `parseRow` validates it at the receiver. */
  row: unknown;
}

/** `instance` wrote nothing in `(prevToken, newToken]` and is now at `newToken`. */
export interface PositionCommand {
  name: 'POSITION';
  stream: string;
  instance: string;
  prevToken: number;
  newToken: number;
}

/** A (user, device) started or stopped long-polling on the process with this random boot id. */
export interface UserSyncCommand {
  name: 'USER_SYNC';
  instanceId: string;
  userId: string;
  /** The wire's `None`. */
  deviceId: string | null;
  state: 'start' | 'end';
  lastSyncMs: number;
}

/** The process with this boot id is shutting down: drop all its syncing entries. */
export interface ClearUserSyncCommand {
  name: 'CLEAR_USER_SYNC';
  instanceId: string;
}

/** A federation sender has processed the `federation` stream up to `token`. */
export interface FederationAckCommand {
  name: 'FEDERATION_ACK';
  instanceName: string;
  token: number;
}

/** Client IP seen on an authenticated request; travels on the `<channel>/USER_IP` channel. */
export interface UserIpCommand {
  name: 'USER_IP';
  userId: string;
  accessToken: string;
  ip: string;
  userAgent: string;
  deviceId: string | null;
  lastSeen: number;
}

/** A server believed down was just heard from: retry sending to it now. */
export interface RemoteServerUpCommand {
  name: 'REMOTE_SERVER_UP';
  serverName: string;
}

/** A worker lock was released: waiters retry at once instead of at their next poll. */
export interface LockReleasedCommand {
  name: 'LOCK_RELEASED';
  instanceName: string;
  lockName: string;
  lockKey: string;
}

export interface NewActiveTaskCommand {
  name: 'NEW_ACTIVE_TASK';
  taskId: string;
}

export interface CancelTaskCommand {
  name: 'CANCEL_TASK';
  taskId: string;
}

/** Our addition (§11.4): who is on the bus, with which protocol and topology. */
export interface HelloCommand {
  name: 'HELLO';
  instanceName: string;
  proto: string;
  topologyHash: string;
  app: string;
  /** The random per-boot id also used by `USER_SYNC`. */
  instanceId: string;
}

export type ReplicationCommand =
  | ServerCommand
  | NameCommand
  | PingCommand
  | ErrorCommand
  | ReplicateCommand
  | RdataCommand
  | PositionCommand
  | UserSyncCommand
  | ClearUserSyncCommand
  | FederationAckCommand
  | UserIpCommand
  | RemoteServerUpCommand
  | LockReleasedCommand
  | NewActiveTaskCommand
  | CancelTaskCommand
  | HelloCommand;

export type CommandOf<N extends CommandName> = Extract<ReplicationCommand, { name: N }>;
