import type { SqlDatabase } from '../database/sql-database';
import { FilterStore } from '../ports/filter.store';

export class SqlFilterStore extends FilterStore {
  constructor(private readonly db: SqlDatabase) {
    super();
  }

  addFilter(userId: string, filter: Record<string, unknown>): Promise<string> {
    return this.db.runInteraction('addFilter', async (txn) => {
      // Serialisable per user: PostgreSQL retries the interaction if two uploads race.
      const [row] = await txn.query<{ next: number | string }>(
        'SELECT COALESCE(MAX(filter_id) + 1, 0) AS next FROM user_filters WHERE user_id = $1',
        [userId],
      );
      const filterId = Number(row.next);
      await txn.query(
        'INSERT INTO user_filters (user_id, filter_id, filter_json) VALUES ($1, $2, $3)',
        [userId, filterId, JSON.stringify(filter)],
      );
      return String(filterId);
    });
  }

  async getFilter(userId: string, filterId: string): Promise<Record<string, unknown> | null> {
    if (!/^\d{1,15}$/.test(filterId)) return null;
    const [row] = await this.db.query<{ filter_json: string }>(
      'SELECT filter_json FROM user_filters WHERE user_id = $1 AND filter_id = $2',
      [userId, Number(filterId)],
    );
    return row ? (JSON.parse(row.filter_json) as Record<string, unknown>) : null;
  }
}
