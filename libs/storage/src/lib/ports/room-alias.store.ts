export interface RoomAliasRecord {
  alias: string;
  roomId: string;
  creator: string;
}

/** Local room aliases (`#alias:our.server`) → room ids. */
export abstract class RoomAliasStore {
  /** False when the alias is already taken. */
  abstract createAlias(alias: string, roomId: string, creator: string): Promise<boolean>;
  abstract getAlias(alias: string): Promise<RoomAliasRecord | null>;
  abstract deleteAlias(alias: string): Promise<boolean>;
  abstract getAliasesForRoom(roomId: string): Promise<string[]>;
}
