import type { DataSource } from 'typeorm';
import { MIGRATIONS, MIGRATIONS_TABLE } from './index';

/** Arbitrary constant: one migrating process at a time per PostgreSQL database. */
const PG_MIGRATION_LOCK = 7_311_042_025;

export class SchemaTooNewError extends Error {
  constructor(readonly unknownMigrations: string[]) {
    super(
      `The database schema is newer than this server: it has migrations this code does not know ` +
        `(${unknownMigrations.join(', ')}). Run the newer server version (downgrades are not ` +
        `supported), or restore a backup taken before the upgrade.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/**
 * Applies pending migrations, after refusing a database that a newer version has migrated.
 * Returns the names of the migrations applied now.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const postgres = dataSource.options.type === 'postgres';
  const lock = postgres ? dataSource.createQueryRunner() : undefined;
  try {
    if (lock) {
      await lock.query('SELECT pg_advisory_lock($1)', [PG_MIGRATION_LOCK]);
    }
    const applied = await appliedMigrations(dataSource);
    const known = new Set(MIGRATIONS.map((Migration) => new Migration().name));
    const unknown = applied.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new SchemaTooNewError(unknown);
    }
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    return ran.map((migration) => migration.name);
  } finally {
    if (lock) {
      await lock.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATION_LOCK]).catch(() => undefined);
      await lock.release();
    }
  }
}

async function appliedMigrations(dataSource: DataSource): Promise<string[]> {
  const exists =
    dataSource.options.type === 'postgres'
      ? await dataSource.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [MIGRATIONS_TABLE])
      : await dataSource.query(
          `SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = ?`,
          [MIGRATIONS_TABLE],
        );
  const present = exists.length > 0 && Boolean((exists[0] as { present: unknown }).present);
  if (!present) return [];
  const rows: Array<{ name: string }> = await dataSource.query(
    `SELECT name FROM ${MIGRATIONS_TABLE}`,
  );
  return rows.map((row) => row.name);
}
