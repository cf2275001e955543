import type { SqlDatabase } from '../database/sql-database';
import { AuthSessionStore, type UiAuthSessionRecord } from '../ports/auth-session.store';
import type { Txn } from '../ports/txn';

interface SessionRow {
  session_id: string;
  method: string;
  uri: string;
  client_dict: string;
  server_dict: string;
  created_ts: number;
}

function parseObject(json: string): Record<string, unknown> {
  return JSON.parse(json) as Record<string, unknown>;
}

export class SqlAuthSessionStore extends AuthSessionStore {
  constructor(private readonly db: SqlDatabase) {
    super();
  }

  async createUiAuthSession(
    session: Omit<UiAuthSessionRecord, 'completed' | 'serverDict'>,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO ui_auth_sessions (session_id, method, uri, client_dict, server_dict, created_ts)
       VALUES ($1, $2, $3, $4, '{}', $5)`,
      [
        session.sessionId,
        session.method,
        session.uri,
        JSON.stringify(session.clientDict),
        session.createdTs,
      ],
    );
  }

  getUiAuthSession(sessionId: string): Promise<UiAuthSessionRecord | null> {
    return this.db.runInteraction('getUiAuthSession', async (txn) => {
      const [row] = await txn.query<SessionRow>(
        `SELECT session_id, method, uri, client_dict, server_dict, created_ts
         FROM ui_auth_sessions WHERE session_id = $1`,
        [sessionId],
      );
      if (!row) return null;
      const credentials = await txn.query<{ stage_type: string; result: string }>(
        'SELECT stage_type, result FROM ui_auth_sessions_credentials WHERE session_id = $1',
        [sessionId],
      );
      return {
        sessionId: row.session_id,
        method: row.method,
        uri: row.uri,
        clientDict: parseObject(row.client_dict),
        serverDict: parseObject(row.server_dict),
        createdTs: Number(row.created_ts),
        completed: Object.fromEntries(
          credentials.map((c) => [c.stage_type, JSON.parse(c.result) as unknown]),
        ),
      };
    });
  }

  async markStageCompleted(sessionId: string, stageType: string, result: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO ui_auth_sessions_credentials (session_id, stage_type, result) VALUES ($1, $2, $3)
       ON CONFLICT (session_id, stage_type) DO UPDATE SET result = excluded.result`,
      [sessionId, stageType, JSON.stringify(result)],
    );
  }

  setServerDictValue(sessionId: string, key: string, value: unknown): Promise<void> {
    // Read-modify-write; concurrent writers conflict under REPEATABLE READ and are retried.
    return this.db.runInteraction('setServerDictValue', async (txn) => {
      const [row] = await txn.query<{ server_dict: string }>(
        'SELECT server_dict FROM ui_auth_sessions WHERE session_id = $1',
        [sessionId],
      );
      if (!row) throw new Error(`no UI auth session ${sessionId}`);
      const dict = { ...parseObject(row.server_dict), [key]: value };
      await txn.query('UPDATE ui_auth_sessions SET server_dict = $2 WHERE session_id = $1', [
        sessionId,
        JSON.stringify(dict),
      ]);
    });
  }

  async deleteUiAuthSession(sessionId: string, txn?: Txn): Promise<void> {
    // Credentials go with it (ON DELETE CASCADE).
    await (txn ?? this.db).query('DELETE FROM ui_auth_sessions WHERE session_id = $1', [sessionId]);
  }

  async expireUiAuthSessions(olderThanTs: number): Promise<number> {
    const deleted = await this.db.query(
      'DELETE FROM ui_auth_sessions WHERE created_ts < $1 RETURNING session_id',
      [olderThanTs],
    );
    return deleted.length;
  }

  async createRegistrationToken(token: {
    token: string;
    usesAllowed: number | null;
    expiryTime: number | null;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO registration_tokens (token, uses_allowed, pending, completed, expiry_time)
       VALUES ($1, $2, 0, 0, $3)`,
      [token.token, token.usesAllowed, token.expiryTime],
    );
  }

  async registrationTokenIsValid(token: string, nowMs: number): Promise<boolean> {
    const [row] = await this.db.query<{
      uses_allowed: number | null;
      pending: number;
      completed: number;
      expiry_time: number | null;
    }>(
      `SELECT uses_allowed, pending, completed, expiry_time FROM registration_tokens
       WHERE token = $1`,
      [token],
    );
    if (!row) return false;
    if (row.expiry_time !== null && Number(row.expiry_time) <= nowMs) return false;
    return (
      row.uses_allowed === null || Number(row.pending) + Number(row.completed) < row.uses_allowed
    );
  }

  async registrationTokenAddPending(token: string): Promise<void> {
    await this.db.query('UPDATE registration_tokens SET pending = pending + 1 WHERE token = $1', [
      token,
    ]);
  }

  async registrationTokenComplete(token: string, txn?: Txn): Promise<void> {
    await (txn ?? this.db).query(
      `UPDATE registration_tokens
       SET pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END, completed = completed + 1
       WHERE token = $1`,
      [token],
    );
  }

  async addRegistrationNonce(nonce: string, createdTs: number): Promise<void> {
    await this.db.query('INSERT INTO registration_nonces (nonce, created_ts) VALUES ($1, $2)', [
      nonce,
      createdTs,
    ]);
  }

  async consumeRegistrationNonce(nonce: string, notBeforeTs: number): Promise<boolean> {
    const [row] = await this.db.query<{ created_ts: number }>(
      'DELETE FROM registration_nonces WHERE nonce = $1 RETURNING created_ts',
      [nonce],
    );
    return row !== undefined && Number(row.created_ts) >= notBeforeTs;
  }
}
