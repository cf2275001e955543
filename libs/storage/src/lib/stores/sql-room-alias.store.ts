import type { SqlDatabase } from '../database/sql-database';
import { RoomAliasStore, type RoomAliasRecord } from '../ports/room-alias.store';

export class SqlRoomAliasStore extends RoomAliasStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  async createAlias(alias: string, roomId: string, creator: string): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO room_aliases (room_alias, room_id, creator, created_ts) VALUES ($1, $2, $3, $4)
       ON CONFLICT (room_alias) DO NOTHING RETURNING room_alias`,
      [alias, roomId, creator, this.now()],
    );
    return rows.length > 0;
  }

  async getAlias(alias: string): Promise<RoomAliasRecord | null> {
    const [row] = await this.db.query<{ room_alias: string; room_id: string; creator: string }>(
      'SELECT room_alias, room_id, creator FROM room_aliases WHERE room_alias = $1',
      [alias],
    );
    return row ? { alias: row.room_alias, roomId: row.room_id, creator: row.creator } : null;
  }

  async deleteAlias(alias: string): Promise<boolean> {
    const rows = await this.db.query(
      'DELETE FROM room_aliases WHERE room_alias = $1 RETURNING room_alias',
      [alias],
    );
    return rows.length > 0;
  }

  async getAliasesForRoom(roomId: string): Promise<string[]> {
    const rows = await this.db.query<{ room_alias: string }>(
      'SELECT room_alias FROM room_aliases WHERE room_id = $1 ORDER BY created_ts, room_alias',
      [roomId],
    );
    return rows.map((row) => row.room_alias);
  }
}
