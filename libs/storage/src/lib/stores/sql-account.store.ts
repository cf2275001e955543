import type { SqlDatabase } from '../database/sql-database';
import { AccountStore, type ProfileRecord, type UserRecord } from '../ports/account.store';
import type { Txn } from '../ports/txn';
import { withTxn } from './with-txn';

interface UserRow {
  user_id: string;
  password_hash: string | null;
  is_admin: boolean;
  is_guest: boolean;
  deactivated: boolean;
  created_ts: number;
}

export class SqlAccountStore extends AccountStore {
  constructor(private readonly db: SqlDatabase) {
    super();
  }

  createUser(
    user: {
      userId: string;
      passwordHash: string | null;
      isAdmin: boolean;
      isGuest: boolean;
      createdTs: number;
    },
    txn?: Txn,
  ): Promise<boolean> {
    return withTxn(this.db, 'createUser', txn, async (t) => {
      const inserted = await t.query(
        `INSERT INTO users (user_id, password_hash, is_admin, is_guest, deactivated, created_ts)
         VALUES ($1, $2, $3, $4, FALSE, $5) ON CONFLICT (user_id) DO NOTHING RETURNING user_id`,
        [user.userId, user.passwordHash, user.isAdmin, user.isGuest, user.createdTs],
      );
      if (inserted.length === 0) return false;
      await t.query(
        `INSERT INTO profiles (user_id, displayname, avatar_url) VALUES ($1, NULL, NULL)
         ON CONFLICT (user_id) DO NOTHING`,
        [user.userId],
      );
      return true;
    });
  }

  async getUser(userId: string, txn?: Txn): Promise<UserRecord | null> {
    const sql = `SELECT user_id, password_hash, is_admin, is_guest, deactivated, created_ts
                 FROM users WHERE user_id = $1`;
    const [row] = await (txn ?? this.db).query<UserRow>(sql, [userId]);
    return row
      ? {
          userId: row.user_id,
          passwordHash: row.password_hash,
          isAdmin: row.is_admin,
          isGuest: row.is_guest,
          deactivated: row.deactivated,
          createdTs: Number(row.created_ts),
        }
      : null;
  }

  async findUserIdsCaseInsensitive(userId: string): Promise<string[]> {
    const rows = await this.db.query<{ user_id: string }>(
      'SELECT user_id FROM users WHERE lower(user_id) = lower($1) ORDER BY user_id',
      [userId],
    );
    return rows.map((row) => row.user_id);
  }

  async setPasswordHash(userId: string, passwordHash: string | null, txn?: Txn): Promise<void> {
    await (txn ?? this.db).query('UPDATE users SET password_hash = $2 WHERE user_id = $1', [
      userId,
      passwordHash,
    ]);
  }

  async markDeactivated(userId: string, txn?: Txn): Promise<void> {
    await (txn ?? this.db).query('UPDATE users SET deactivated = TRUE WHERE user_id = $1', [
      userId,
    ]);
  }

  async getProfile(userId: string): Promise<ProfileRecord | null> {
    const [row] = await this.db.query<{ displayname: string | null; avatar_url: string | null }>(
      'SELECT displayname, avatar_url FROM profiles WHERE user_id = $1',
      [userId],
    );
    return row ? { displayname: row.displayname, avatarUrl: row.avatar_url } : null;
  }

  setDisplayname(userId: string, displayname: string | null, txn?: Txn): Promise<void> {
    return this.setProfileField(userId, 'displayname', displayname, txn);
  }

  setAvatarUrl(userId: string, avatarUrl: string | null, txn?: Txn): Promise<void> {
    return this.setProfileField(userId, 'avatar_url', avatarUrl, txn);
  }

  private async setProfileField(
    userId: string,
    column: 'displayname' | 'avatar_url',
    value: string | null,
    txn?: Txn,
  ): Promise<void> {
    await (txn ?? this.db).query(
      `INSERT INTO profiles (user_id, ${column}) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET ${column} = excluded.${column}`,
      [userId, value],
    );
  }
}
