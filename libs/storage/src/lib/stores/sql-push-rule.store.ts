import type { MultiWriterIdGenerator } from '@chat/streams';
import type { SqlDatabase } from '../database/sql-database';
import { PushRuleStore } from '../ports/push-rule.store';
import type { Txn } from '../ports/txn';

export class SqlPushRuleStore extends PushRuleStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly pushRules: MultiWriterIdGenerator<Txn>,
    private readonly instanceName: string,
  ) {
    super();
  }

  async getUserRules(userId: string): Promise<Record<string, unknown> | null> {
    const [row] = await this.db.query<{ rules_json: string }>(
      'SELECT rules_json FROM push_rules WHERE user_id = $1',
      [userId],
    );
    return row ? (JSON.parse(row.rules_json) as Record<string, unknown>) : null;
  }

  updateUserRules(
    userId: string,
    change: (current: Record<string, unknown> | null) => Record<string, unknown>,
  ): Promise<number> {
    return this.db.runInteraction('updatePushRules', async (txn) => {
      const [row] = await txn.query<{ rules_json: string }>(
        'SELECT rules_json FROM push_rules WHERE user_id = $1',
        [userId],
      );
      const next = change(row ? (JSON.parse(row.rules_json) as Record<string, unknown>) : null);
      const streamId = await this.pushRules.getNextInTxn(txn);
      await txn.query(
        `INSERT INTO push_rules (user_id, rules_json, stream_id, instance_name) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET rules_json = excluded.rules_json,
           stream_id = excluded.stream_id, instance_name = excluded.instance_name`,
        [userId, JSON.stringify(next), streamId, this.instanceName],
      );
      return streamId;
    });
  }
}
