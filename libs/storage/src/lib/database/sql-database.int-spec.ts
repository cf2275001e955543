import { testDatabaseConfigs, type TestDatabase } from '@chat/testing';
import { MIGRATIONS, MIGRATIONS_TABLE } from '../migrations';
import { SchemaTooNewError } from '../migrations/run-migrations';
import { openDatabase, type Storage } from '../open-database';
import type { Txn } from '../ports/txn';

describe.each(testDatabaseConfigs())('SqlDatabase on %s', (engine, create) => {
  let testDb: TestDatabase;
  let storage: Storage;

  beforeEach(async () => {
    testDb = await create();
    storage = await openDatabase(testDb.config, { instanceName: 'main' });
  });

  afterEach(async () => {
    await storage.close();
    await testDb.drop();
  });

  const counter = async (txn?: Txn): Promise<number> => {
    const [row] = await (txn ?? storage.database).query<{ completed: number }>(
      'SELECT completed FROM registration_tokens WHERE token = $1',
      ['counter'],
    );
    return row.completed;
  };

  describe('migrations', () => {
    it('apply once and are idempotent on restart, keeping data', async () => {
      expect(storage.database.engine).toBe(engine);
      await storage.accounts.createUser({
        userId: '@a:test',
        passwordHash: null,
        isAdmin: false,
        isGuest: false,
        createdTs: 1,
      });
      await storage.close();
      storage = await openDatabase(testDb.config, { instanceName: 'main' });
      const applied = await storage.database.query<{ name: string }>(
        `SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY timestamp`,
      );
      expect(applied.map((row) => row.name)).toEqual(MIGRATIONS.map((M) => new M().name));
      expect(applied.length).toBeGreaterThanOrEqual(3);
      expect(await storage.accounts.getUser('@a:test')).not.toBeNull();
    });

    it('refuse a database migrated by a newer version', async () => {
      await storage.database.query(
        `INSERT INTO ${MIGRATIONS_TABLE} (timestamp, name) VALUES ($1, $2)`,
        [1999999999999, 'FromTheFuture1999999999999'],
      );
      await storage.close();
      const reopening = openDatabase(testDb.config, { instanceName: 'main' });
      await expect(reopening).rejects.toThrow(SchemaTooNewError);
      await expect(reopening).rejects.toThrow(/FromTheFuture1999999999999/);
    });
  });

  describe('queries', () => {
    it('rewrites $n placeholders (including $10 and repeats) and normalises types', async () => {
      const rows = await storage.database.query<Record<string, unknown>>(
        `SELECT $1 AS a, $10 AS j, $2 AS b, $1 AS again
         FROM (SELECT 1 AS x) t WHERE $3 = $3 AND $4 = $4 AND $5 = $5 AND $6 = $6 AND $7 = $7
         AND $8 = $8 AND $9 = $9`,
        ['one', 'two', 3, 4, 5, 6, 7, 8, 9, 'ten'],
      );
      expect(rows).toEqual([{ a: 'one', j: 'ten', b: 'two', again: 'one' }]);

      await storage.accounts.createUser({
        userId: '@b:test',
        passwordHash: 'h',
        isAdmin: true,
        isGuest: false,
        createdTs: 1_700_000_000_123,
      });
      const [user] = await storage.database.query<Record<string, unknown>>(
        'SELECT is_admin, is_guest, created_ts FROM users WHERE user_id = $1',
        ['@b:test'],
      );
      expect(user).toEqual({ is_admin: true, is_guest: false, created_ts: 1_700_000_000_123 });
      const [count] = await storage.database.query<{ n: number }>(
        'SELECT COUNT(*) AS n FROM users',
      );
      expect(count.n).toBe(1);
    });
  });

  describe('runInteraction', () => {
    beforeEach(async () => {
      await storage.authSessions.createRegistrationToken({
        token: 'counter',
        usesAllowed: null,
        expiryTime: null,
      });
    });

    it('commits, then runs afterCommit hooks once', async () => {
      const events: string[] = [];
      const result = await storage.database.runInteraction('bump', async (txn) => {
        txn.afterCommit(() => {
          events.push('afterCommit');
        });
        txn.onRollback(() => {
          events.push('onRollback');
        });
        await txn.query('UPDATE registration_tokens SET completed = 5 WHERE token = $1', [
          'counter',
        ]);
        events.push('body');
        return 'done';
      });
      expect(result).toBe('done');
      expect(events).toEqual(['body', 'afterCommit']);
      expect(await counter()).toBe(5);
    });

    it('rolls back on error and runs onRollback hooks with the error', async () => {
      const events: unknown[] = [];
      const failure = new Error('boom');
      await expect(
        storage.database.runInteraction('fail', async (txn) => {
          txn.afterCommit(() => {
            events.push('afterCommit');
          });
          txn.onRollback((err) => {
            events.push(err);
          });
          await txn.query('UPDATE registration_tokens SET completed = 9 WHERE token = $1', [
            'counter',
          ]);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(events).toEqual([failure]);
      expect(await counter()).toBe(0);
    });

    it('refuses nested interactions and queries on an ended transaction', async () => {
      let leaked: Txn | undefined;
      await expect(
        storage.database.runInteraction('outer', async (txn) => {
          leaked = txn;
          await storage.database.runInteraction('inner', async () => undefined);
        }),
      ).rejects.toThrow(/inside outer/);
      await expect(leaked?.query('SELECT 1')).rejects.toThrow(/already ended/);
    });

    it('loses no update when two interactions read-modify-write the same row', async () => {
      const attempts = { a: 0, b: 0 };
      const commits = { a: 0, b: 0 };
      const rollbacks = { a: 0, b: 0 };
      let arrived = 0;
      let bothRead!: () => void;
      const barrier = new Promise<void>((resolve) => (bothRead = resolve));

      const bump = (who: 'a' | 'b') =>
        storage.database.runInteraction(`bump-${who}`, async (txn) => {
          attempts[who]++;
          txn.afterCommit(() => {
            commits[who]++;
          });
          txn.onRollback(() => {
            rollbacks[who]++;
          });
          const value = await counter(txn);
          // PostgreSQL: hold both first attempts after their snapshot read, forcing a
          // serialization failure on the second writer. SQLite serialises interactions instead.
          if (engine === 'postgres' && attempts[who] === 1) {
            if (++arrived === 2) bothRead();
            await barrier;
          }
          await txn.query('UPDATE registration_tokens SET completed = $2 WHERE token = $1', [
            'counter',
            value + 1,
          ]);
        });

      await Promise.all([bump('a'), bump('b')]);
      expect(await counter()).toBe(2);
      expect(commits).toEqual({ a: 1, b: 1 });
      if (engine === 'postgres') {
        // One of the two hit 40001 once and was re-run; its failed attempt rolled back.
        expect(attempts.a + attempts.b).toBe(3);
        expect(rollbacks.a + rollbacks.b).toBe(1);
      } else {
        expect(attempts).toEqual({ a: 1, b: 1 });
        expect(rollbacks).toEqual({ a: 0, b: 0 });
      }
    });
  });

  it('lets standalone reads run while a transaction is open, seeing only committed data', async () => {
    await storage.database.query(
      'INSERT INTO registration_tokens (token, uses_allowed, pending, completed, expiry_time) VALUES ($1, NULL, 0, 0, NULL)',
      ['open-txn'],
    );
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const txn = storage.database.runInteraction('holdOpen', async (t) => {
      await t.query('UPDATE registration_tokens SET completed = 7 WHERE token = $1', ['open-txn']);
      entered();
      await held;
    });
    await inside;
    // Answered while the writer still holds its transaction, and without its uncommitted change.
    const [row] = await storage.database.query<{ completed: number }>(
      'SELECT completed FROM registration_tokens WHERE token = $1',
      ['open-txn'],
    );
    expect(Number(row.completed)).toBe(0);
    release();
    await txn;
    const [after] = await storage.database.query<{ completed: number }>(
      'SELECT completed FROM registration_tokens WHERE token = $1',
      ['open-txn'],
    );
    expect(Number(after.completed)).toBe(7);
  });

  if (engine === 'sqlite') {
    it('syncs the write-ahead log at checkpoints, not at every commit', async () => {
      // Asked inside an interaction: that is the writing connection.
      const [row] = await storage.database.runInteraction('pragma', (t) =>
        t.query<{ synchronous: number }>('PRAGMA synchronous'),
      );
      expect(Number(row.synchronous)).toBe(1);
    });
  }
});
