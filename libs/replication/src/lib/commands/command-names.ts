/**
 * Names of the replication bus commands (replication.md §3.3, plus `HELLO` from §11.4). Event
 * pattern handlers refer to commands through these constants only, never string literals.
 */
export const COMMAND_NAMES = {
  SERVER: 'SERVER',
  NAME: 'NAME',
  PING: 'PING',
  ERROR: 'ERROR',
  REPLICATE: 'REPLICATE',
  RDATA: 'RDATA',
  POSITION: 'POSITION',
  USER_SYNC: 'USER_SYNC',
  CLEAR_USER_SYNC: 'CLEAR_USER_SYNC',
  FEDERATION_ACK: 'FEDERATION_ACK',
  USER_IP: 'USER_IP',
  REMOTE_SERVER_UP: 'REMOTE_SERVER_UP',
  LOCK_RELEASED: 'LOCK_RELEASED',
  NEW_ACTIVE_TASK: 'NEW_ACTIVE_TASK',
  CANCEL_TASK: 'CANCEL_TASK',
  HELLO: 'HELLO',
} as const;

export type CommandName = keyof typeof COMMAND_NAMES;

export function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMAND_NAMES, name);
}
