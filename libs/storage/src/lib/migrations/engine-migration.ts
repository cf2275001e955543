import type { MigrationInterface, QueryRunner } from 'typeorm';

export type Engine = 'sqlite' | 'postgres';

/**
 * A hand-written migration: plain SQL per engine, applied in order at startup. Downgrades are not
 * supported — a newer schema makes older code refuse to start instead (see runMigrations).
 */
export abstract class EngineMigration implements MigrationInterface {
  /** `<Description><13-digit timestamp>`: TypeORM orders migrations by the trailing timestamp. */
  abstract readonly name: string;

  protected abstract statements(engine: Engine): string[];

  async up(queryRunner: QueryRunner): Promise<void> {
    const engine: Engine =
      queryRunner.connection.options.type === 'postgres' ? 'postgres' : 'sqlite';
    for (const sql of this.statements(engine)) {
      await queryRunner.query(sql);
    }
  }

  async down(): Promise<void> {
    throw new Error(`${this.name}: downgrades are not supported; restore a backup instead`);
  }
}

/**
 * A stream's PostgreSQL sequence, advanced once right away: streams start at id 2 and id 1 counts
 * as persisted (replication.md §5.2), which `START WITH 2` would not express for `last_value`.
 */
export function createStreamSequence(name: string): string[] {
  return [`CREATE SEQUENCE ${name}`, `SELECT nextval('${name}')`];
}

/** Auto-increment integer key, per engine. */
export function serialKey(engine: Engine, column: string, big = false): string {
  return engine === 'postgres'
    ? `${column} ${big ? 'BIGSERIAL' : 'SERIAL'} PRIMARY KEY`
    : `${column} INTEGER PRIMARY KEY AUTOINCREMENT`;
}
