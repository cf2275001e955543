import type { MultiWriterIdGenerator } from '@chat/streams';
import type { SqlDatabase } from '../database/sql-database';
import { PresenceStore, type PresenceRecord } from '../ports/presence.store';
import type { Txn } from '../ports/txn';

interface PresenceRow {
  user_id: string;
  state: PresenceRecord['state'];
  status_msg: string | null;
  last_active_ts: number | string;
  stream_id: number | string;
}

const PRESENCE_COLUMNS = 'p.user_id, p.state, p.status_msg, p.last_active_ts, p.stream_id';

function toPresence(row: PresenceRow): PresenceRecord {
  return {
    userId: row.user_id,
    state: row.state,
    statusMsg: row.status_msg,
    lastActiveTs: Number(row.last_active_ts),
    streamId: Number(row.stream_id),
  };
}

export class SqlPresenceStore extends PresenceStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly presence: MultiWriterIdGenerator<Txn>,
    private readonly instanceName: string,
  ) {
    super();
  }

  setPresence(record: Omit<PresenceRecord, 'streamId'>): Promise<number> {
    return this.db.runInteraction('setPresence', async (txn) => {
      const streamId = await this.presence.getNextInTxn(txn);
      await txn.query(
        `INSERT INTO presence (user_id, state, status_msg, last_active_ts, stream_id, instance_name)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id) DO UPDATE SET state = excluded.state,
           status_msg = excluded.status_msg, last_active_ts = excluded.last_active_ts,
           stream_id = excluded.stream_id, instance_name = excluded.instance_name`,
        [
          record.userId,
          record.state,
          record.statusMsg,
          record.lastActiveTs,
          streamId,
          this.instanceName,
        ],
      );
      return streamId;
    });
  }

  async getPresence(userId: string): Promise<PresenceRecord | null> {
    const [row] = await this.db.query<PresenceRow>(
      `SELECT ${PRESENCE_COLUMNS} FROM presence p WHERE p.user_id = $1`,
      [userId],
    );
    return row ? toPresence(row) : null;
  }

  async getPeerPresenceChanges(
    userId: string,
    after: number,
    upTo: number,
  ): Promise<PresenceRecord[]> {
    if (upTo <= after) return [];
    const rows = await this.db.query<PresenceRow>(
      `SELECT ${PRESENCE_COLUMNS} FROM presence p
       WHERE p.stream_id > $2 AND p.stream_id <= $3 AND (p.user_id = $1 OR p.user_id IN (
         SELECT peer.state_key FROM current_state_events me
         JOIN current_state_events peer ON peer.room_id = me.room_id
           AND peer.type = 'm.room.member' AND peer.membership = 'join'
         WHERE me.type = 'm.room.member' AND me.state_key = $1 AND me.membership = 'join'))
       ORDER BY p.stream_id`,
      [userId, after, upTo],
    );
    return rows.map(toPresence);
  }
}
