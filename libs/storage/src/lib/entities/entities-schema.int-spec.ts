import { testDatabaseConfigs, type TestDatabase } from '@chat/testing';
import type { SqlDatabase } from '../database/sql-database';
import { MIGRATIONS_TABLE } from '../migrations';
import { openDatabase, type Storage } from '../open-database';
import { ENTITIES } from './index';

/** What the entities and the migrated schema must agree on, in a diff-friendly order. */
interface TableShape {
  columns: Array<{ name: string; nullable: boolean }>;
  primaryKey: string[];
}

function shape(columns: TableShape['columns'], primaryKey: string[]): TableShape {
  return {
    columns: [...columns].sort((a, b) => a.name.localeCompare(b.name)),
    primaryKey: [...primaryKey].sort(),
  };
}

async function tableNames(db: SqlDatabase): Promise<string[]> {
  const rows =
    db.engine === 'postgres'
      ? await db.query<{ name: string }>(
          `SELECT table_name AS name FROM information_schema.tables
           WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
        )
      : await db.query<{ name: string }>(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
        );
  return rows.map((row) => row.name).sort();
}

async function tableShape(db: SqlDatabase, table: string): Promise<TableShape> {
  if (db.engine === 'postgres') {
    const columns = await db.query<{ name: string; is_nullable: string }>(
      `SELECT column_name AS name, is_nullable FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1`,
      [table],
    );
    const primaryKey = await db.query<{ name: string }>(
      `SELECT k.column_name AS name
       FROM information_schema.table_constraints c
       JOIN information_schema.key_column_usage k
         ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name
       WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = current_schema()
         AND c.table_name = $1`,
      [table],
    );
    return shape(
      columns.map((c) => ({ name: c.name, nullable: c.is_nullable === 'YES' })),
      primaryKey.map((c) => c.name),
    );
  }
  const columns = await db.query<{ name: string; type: string; notnull: number; pk: number }>(
    'SELECT name, type, "notnull", pk FROM pragma_table_info($1)',
    [table],
  );
  const primaryKey = columns.filter((c) => c.pk > 0);
  // An `INTEGER PRIMARY KEY` column is the rowid and can never hold NULL, whatever `notnull` says;
  // any other SQLite key column accepts NULL unless declared NOT NULL.
  const rowid = primaryKey.length === 1 && primaryKey[0].type.toUpperCase() === 'INTEGER';
  return shape(
    columns.map((c) => ({
      name: c.name,
      nullable: c.notnull === 0 && !(rowid && c.pk > 0),
    })),
    primaryKey.map((c) => c.name),
  );
}

describe.each(testDatabaseConfigs())('entities against the migrated schema on %s', (_e, create) => {
  let testDb: TestDatabase;
  let storage: Storage;

  beforeAll(async () => {
    testDb = await create();
    storage = await openDatabase(testDb.config, { instanceName: 'main' });
  });

  afterAll(async () => {
    await storage.close();
    await testDb.drop();
  });

  it('has exactly one entity per migrated table', async () => {
    const entityTables = ENTITIES.map(
      (entity) => storage.database.dataSource.getMetadata(entity).tableName,
    ).sort();
    const tables = (await tableNames(storage.database)).filter((t) => t !== MIGRATIONS_TABLE);
    expect(entityTables).toEqual(tables);
  });

  it.each(ENTITIES.map((entity) => [entity.name, entity] as const))(
    '%s matches its table (columns, nullability, primary key)',
    async (_name, entity) => {
      const metadata = storage.database.dataSource.getMetadata(entity);
      const expected = shape(
        metadata.columns.map((c) => ({ name: c.databaseName, nullable: c.isNullable })),
        metadata.primaryColumns.map((c) => c.databaseName),
      );
      expect(await tableShape(storage.database, metadata.tableName)).toEqual(expected);
    },
  );
});
