import type { DatabaseConfig } from '@chat/config';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENTITIES } from '../entities';
import { MIGRATIONS, MIGRATIONS_TABLE } from '../migrations';

/** pg type OIDs we parse ourselves: int8 (bigint, count(*)). */
const PG_INT8_OID = 20;

/**
 * pg returns bigint as a string because it may not fit a JS number. Our bigints are ids, counts and
 * millisecond timestamps, far below 2^53, so parse those to numbers and keep the string otherwise.
 * Set per pool (not pg's global `types`) so nothing else in the process is affected.
 */
function pgTypes() {
  // Loaded the same way as the driver (P8), for the same reason.
  const pg = require('pg') as typeof import('pg');
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === PG_INT8_OID && format !== 'binary') {
        return (value: string) => {
          const n = Number(value);
          return Number.isSafeInteger(n) ? n : value;
        };
      }
      return format === 'binary'
        ? pg.types.getTypeParser(oid, 'binary')
        : pg.types.getTypeParser(oid);
    },
  };
}

/**
 * The one place where the two engines differ in setup. Drivers are passed explicitly so bundlers
 * see them (toolchain P8); migrations are run by `openDatabase`, never `synchronize`.
 */
export function buildDataSourceOptions(config: DatabaseConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
    logging: false,
  } as const;
  if (config.name === 'sqlite') {
    const database = config.args.database;
    if (!database) {
      throw new Error('database.args.database must name the SQLite file (or ":memory:")');
    }
    return {
      ...common,
      type: 'better-sqlite3',
      driver: require('better-sqlite3'),
      database,
      enableWAL: database !== ':memory:',
      // In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit survives the
      // process being killed (the non-negotiable), and only an OS crash or power cut can lose
      // the last ones. better-sqlite3 is synchronous, so an fsync per commit would stall the
      // whole event loop. PostgreSQL is the engine for stronger guarantees.
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        db.pragma('synchronous = NORMAL');
      },
      timeout: 10_000,
    };
  }
  const { url, host, port, user, password, database, cpMin, cpMax } = config.args;
  return {
    ...common,
    type: 'postgres',
    driver: require('pg'),
    ...(url ? { url } : { host, port, username: user, password, database }),
    poolSize: cpMax,
    extra: { min: cpMin, max: cpMax, types: pgTypes() },
  };
}

export function createDataSource(config: DatabaseConfig): DataSource {
  return new DataSource(buildDataSourceOptions(config));
}
