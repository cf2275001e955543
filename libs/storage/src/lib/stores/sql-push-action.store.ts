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
      const { positions, sums } =
        this.db.engine === 'postgres'
          ? await this.readPositionsAndSums(userId, ids)
          : await this.readPositionsThenSums(userId, ids);
      await Promise.all(
        ids.map(async (roomId) => {
          const read = positions.get(roomId) ?? new Map<string, number>();
          const base = read.get('') ?? 0;
          const total = { notifications: 0, highlights: 0 };
          for (const row of sums.get(roomId) ?? []) {
            const threadRead = read.get(row.thread_id ?? 'main') ?? 0;
            const thread =
              threadRead > base
                ? await this.threadSums(userId, roomId, row.thread_id, threadRead)
                : row;
            total.notifications += Number(thread.notifications);
            total.highlights += Number(thread.highlights);
          }
          counts.set(roomId, total);
        }),
      );
    }
    return counts;
  }

  /** SQLite: the read positions, then each room's sums after its unthreaded one. */
  private async readPositionsThenSums(userId: string, roomIds: readonly string[]) {
    const positions = await this.readPositions(userId, roomIds);
    const sums = new Map<string, ThreadSums[]>();
    for (const roomId of roomIds) {
      const base = positions.get(roomId)?.get('') ?? 0;
      sums.set(roomId, await this.sumsByThread(userId, roomId, base));
    }
    return { positions, sums };
  }

  /**
   * PostgreSQL: the same in one round trip; a lateral join keeps each room's sum an index range
   * scan after its unthreaded read position.
   */
  private async readPositionsAndSums(userId: string, roomIds: readonly string[]) {
    const rows = await this.db.query<{
      room_id: string;
      thread_id: string | null;
      read_pos: number | string | null;
      notifications: number | string | null;
      highlights: number | string | null;
    }>(
      `WITH reads AS (
         SELECT r.room_id, r.thread_id, MAX(e.stream_ordering) AS pos
         FROM receipts r JOIN events e ON e.event_id = r.event_id
         WHERE r.user_id = $1 AND r.receipt_type IN ('m.read', 'm.read.private')
           AND r.room_id = ANY($2::text[])
         GROUP BY r.room_id, r.thread_id)
       SELECT room_id, thread_id, pos AS read_pos, NULL AS notifications, NULL AS highlights
       FROM reads
       UNION ALL
       SELECT wanted.room_id, s.thread_id, NULL, s.notifications, s.highlights
       FROM unnest($2::text[]) AS wanted(room_id) CROSS JOIN LATERAL (
         SELECT a.thread_id, SUM(a.notif) AS notifications, SUM(a.highlight) AS highlights
         FROM event_push_actions a
         WHERE a.user_id = $1 AND a.room_id = wanted.room_id AND a.stream_ordering > COALESCE(
           (SELECT pos FROM reads WHERE reads.room_id = wanted.room_id AND reads.thread_id = ''), 0)
         GROUP BY a.thread_id) s`,
      [userId, roomIds],
    );
    const positions = new Map<string, Map<string, number>>();
    const sums = new Map<string, ThreadSums[]>();
    for (const row of rows) {
      if (row.read_pos !== null) {
        let room = positions.get(row.room_id);
        if (!room) positions.set(row.room_id, (room = new Map()));
        room.set(row.thread_id ?? '', Number(row.read_pos));
      } else {
        const list = sums.get(row.room_id) ?? [];
        list.push({
          thread_id: row.thread_id,
          notifications: row.notifications ?? 0,
          highlights: row.highlights ?? 0,
        });
        sums.set(row.room_id, list);
      }
    }
    return { positions, sums };
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

  private sumsByThread(userId: string, roomId: string, after: number): Promise<ThreadSums[]> {
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

type ThreadSums = { thread_id: string | null } & Sums;
