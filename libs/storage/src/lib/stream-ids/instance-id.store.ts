import type { SqlDatabase } from '../database/sql-database';

/**
 * Instance name ↔ small integer, for multi-writer tokens (`m5~2.58`). Allocated on first use and
 * never changed, so both directions are cached for the life of the process.
 */
export class InstanceIdStore {
  private readonly byName = new Map<string, number>();
  private readonly byId = new Map<number, string>();

  constructor(private readonly db: SqlDatabase) {}

  async idFor(instanceName: string): Promise<number> {
    const cached = this.byName.get(instanceName);
    if (cached !== undefined) return cached;
    await this.db.query(
      'INSERT INTO instance_ids (instance_name) VALUES ($1) ON CONFLICT (instance_name) DO NOTHING',
      [instanceName],
    );
    const [row] = await this.db.query<{ instance_id: number }>(
      'SELECT instance_id FROM instance_ids WHERE instance_name = $1',
      [instanceName],
    );
    this.remember(Number(row.instance_id), instanceName);
    return Number(row.instance_id);
  }

  async nameFor(instanceId: number): Promise<string | null> {
    const cached = this.byId.get(instanceId);
    if (cached !== undefined) return cached;
    const [row] = await this.db.query<{ instance_name: string }>(
      'SELECT instance_name FROM instance_ids WHERE instance_id = $1',
      [instanceId],
    );
    if (!row) return null;
    this.remember(instanceId, row.instance_name);
    return row.instance_name;
  }

  private remember(id: number, name: string): void {
    this.byName.set(name, id);
    this.byId.set(id, name);
  }
}
