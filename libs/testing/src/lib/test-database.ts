import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig, DatabaseEngine } from '@chat/config';
import { Client } from 'pg';

const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  engine: DatabaseEngine;
  config: DatabaseConfig;
  /** Removes the database (PostgreSQL) or its files (SQLite). */
  drop(): Promise<void>;
}

export interface TestPostgresDatabase extends TestDatabase {
  url: string;
}

/** The server-level URL tests create their databases through. */
export function testPostgresUrl(): string {
  return process.env['CHAT_TEST_POSTGRES_URL'] || DEFAULT_POSTGRES_URL;
}

async function adminClient(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL is not answering at ${redact(url)} (${String(err)}); start it (see README) — ` +
        'tests never skip engines. Set CHAT_TEST_POSTGRES_URL to use another server.',
    );
  }
  return client;
}

/** A fresh, randomly named PostgreSQL database (`chat_test_<hex>`) for one test file or run. */
export async function createTestPostgresDatabase(): Promise<TestPostgresDatabase> {
  const serverUrl = testPostgresUrl();
  const name = `chat_test_${randomBytes(6).toString('hex')}`;
  const admin = await adminClient(serverUrl);
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  return {
    engine: 'postgres',
    url: dbUrl,
    config: { name: 'postgres', args: { url: dbUrl, cpMin: 1, cpMax: 5 } },
    drop: async () => {
      const client = await adminClient(serverUrl);
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A SQLite database in a fresh temporary directory (a file, so tests can reopen it). */
export async function createTestSqliteDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'chat-test-'));
  return {
    engine: 'sqlite',
    config: { name: 'sqlite', args: { database: join(dir, 'homeserver.db'), cpMin: 1, cpMax: 1 } },
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

export function createTestDatabase(engine: DatabaseEngine): Promise<TestDatabase> {
  return engine === 'postgres' ? createTestPostgresDatabase() : createTestSqliteDatabase();
}

/**
 * Both engines, for `describe.each(testDatabaseConfigs())('%s', (engine, create) => …)`: every
 * storage test runs on SQLite and on PostgreSQL, always. `create` makes a fresh database.
 */
export function testDatabaseConfigs(): Array<[DatabaseEngine, () => Promise<TestDatabase>]> {
  return (['sqlite', 'postgres'] as const).map((engine) => [
    engine,
    () => createTestDatabase(engine),
  ]);
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
