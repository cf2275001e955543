import type { SqlDatabase } from '../database/sql-database';
import { PushActionStore, type UnreadCounts } from '../ports/push-action.store';

/** Bound on the number of rooms in one query's `IN` list. */
const ROOMS_PER_QUERY = 500;

export class SqlPushActionStore extends PushActionStore {
  constructor(private readonly db: SqlDatabase) {
    super();
  }

  async getUnreadCounts(
    userId: string,
    roomIds: readonly string[],
  ): Promise<Map<string, UnreadCounts>> {
    const counts = new Map<string, UnreadCounts>(
      roomIds.map((roomId) => [roomId, { notifications: 0, highlights: 0 }]),
    );
    for (let start = 0; start < roomIds.length; start += ROOMS_PER_QUERY) {
      const ids = roomIds.slice(start, start + ROOMS_PER_QUERY);
      const rooms = ids.map((_, i) => `$${i + 2}`).join(', ');
      // `read_positions` holds the newest read position per (room, thread); '' is the unthreaded receipt,
      // which covers every event, and 'main' or a root id covers that thread only (as Synapse).
      const rows = await this.db.query<{
        room_id: string;
        notifications: number | string;
        highlights: number | string;
      }>(
        `WITH read_positions AS (
           SELECT r.room_id, r.thread_id, MAX(e.stream_ordering) AS stream_ordering
           FROM receipts r JOIN events e ON e.event_id = r.event_id
           WHERE r.user_id = $1 AND r.receipt_type IN ('m.read', 'm.read.private')
             AND r.room_id IN (${rooms})
           GROUP BY r.room_id, r.thread_id
         )
         SELECT p.room_id, SUM(p.notif) AS notifications, SUM(p.highlight) AS highlights
         FROM event_push_actions p
         LEFT JOIN read_positions u ON u.room_id = p.room_id AND u.thread_id = ''
         LEFT JOIN read_positions t ON t.room_id = p.room_id AND t.thread_id = COALESCE(p.thread_id, 'main')
         WHERE p.user_id = $1 AND p.room_id IN (${rooms})
           AND (u.stream_ordering IS NULL OR p.stream_ordering > u.stream_ordering)
           AND (t.stream_ordering IS NULL OR p.stream_ordering > t.stream_ordering)
         GROUP BY p.room_id`,
        [userId, ...ids],
      );
      for (const row of rows) {
        counts.set(row.room_id, {
          notifications: Number(row.notifications),
          highlights: Number(row.highlights),
        });
      }
    }
    return counts;
  }
}
