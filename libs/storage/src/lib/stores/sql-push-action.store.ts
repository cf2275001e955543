import type { SqlDatabase } from '../database/sql-database';
import { PushActionStore, type UnreadCounts } from '../ports/push-action.store';

/** Bound on the number of rooms in one query's `IN` list. */
const ROOMS_PER_QUERY = 500;

export class SqlPushActionStore extends PushActionStore {
  constructor(private readonly db: SqlDatabase) {
    super();
  }

  /**
   * Two steps, both index lookups: the user's read positions in these rooms (the newest `m.read`
   * or `m.read.private`; '' is the unthreaded receipt covering every event, 'main' or a root id
   * covers that thread only, as Synapse), then per room the push actions after them, summed per
   * thread so that a thread with its own later receipt can be counted from there instead.
   */
  async getUnreadCounts(
    userId: string,
    roomIds: readonly string[],
  ): Promise<Map<string, UnreadCounts>> {
    const counts = new Map<string, UnreadCounts>();
    for (let start = 0; start < roomIds.length; start += ROOMS_PER_QUERY) {
      const ids = roomIds.slice(start, start + ROOMS_PER_QUERY);
      const positions = await this.readPositions(userId, ids);
      // Rooms concurrently: on PostgreSQL they spread over the pool.
      await Promise.all(
        ids.map(async (roomId) => {
          const read = positions.get(roomId) ?? new Map<string, number>();
          const base = read.get('') ?? 0;
          const total = { notifications: 0, highlights: 0 };
          for (const row of await this.sumsByThread(userId, roomId, base)) {
            const threadRead = read.get(row.thread_id ?? 'main') ?? 0;
            const sums =
              threadRead > base
                ? await this.threadSums(userId, roomId, row.thread_id, threadRead)
                : row;
            total.notifications += Number(sums.notifications);
            total.highlights += Number(sums.highlights);
          }
          counts.set(roomId, total);
        }),
      );
    }
    return counts;
  }

  /** room → thread ('' for unthreaded) → stream ordering of the newest read receipt. */
  private async readPositions(
    userId: string,
    roomIds: readonly string[],
  ): Promise<Map<string, Map<string, number>>> {
    const rows = await this.db.query<{
      room_id: string;
      thread_id: string;
      stream_ordering: number | string;
    }>(
      `SELECT r.room_id, r.thread_id, MAX(e.stream_ordering) AS stream_ordering
       FROM receipts r JOIN events e ON e.event_id = r.event_id
       WHERE r.user_id = $1 AND r.receipt_type IN ('m.read', 'm.read.private')
         AND r.room_id IN (${roomIds.map((_, i) => `$${i + 2}`).join(', ')})
       GROUP BY r.room_id, r.thread_id`,
      [userId, ...roomIds],
    );
    const out = new Map<string, Map<string, number>>();
    for (const row of rows) {
      let room = out.get(row.room_id);
      if (!room) out.set(row.room_id, (room = new Map()));
      room.set(row.thread_id, Number(row.stream_ordering));
    }
    return out;
  }

  private sumsByThread(
    userId: string,
    roomId: string,
    after: number,
  ): Promise<Array<{ thread_id: string | null } & Sums>> {
    return this.db.query(
      `SELECT thread_id, SUM(notif) AS notifications, SUM(highlight) AS highlights
       FROM event_push_actions WHERE user_id = $1 AND room_id = $2 AND stream_ordering > $3
       GROUP BY thread_id`,
      [userId, roomId, after],
    );
  }

  private async threadSums(
    userId: string,
    roomId: string,
    threadId: string | null,
    after: number,
  ): Promise<Sums> {
    const [row] = await this.db.query<Sums>(
      `SELECT COALESCE(SUM(notif), 0) AS notifications, COALESCE(SUM(highlight), 0) AS highlights
       FROM event_push_actions WHERE user_id = $1 AND room_id = $2 AND stream_ordering > $3
         AND ${threadId === null ? 'thread_id IS NULL' : 'thread_id = $4'}`,
      threadId === null ? [userId, roomId, after] : [userId, roomId, after, threadId],
    );
    return row;
  }
}

interface Sums {
  notifications: number | string;
  highlights: number | string;
}
