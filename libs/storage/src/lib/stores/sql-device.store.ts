import type { MultiWriterIdGenerator } from '@chat/streams';
import type { SqlDatabase } from '../database/sql-database';
import { CACHE_NAMES, type CacheInvalidations, type CacheKey } from '../ports/cache-invalidations';
import { type AccessTokenRecord, type DeviceRecord, DeviceStore } from '../ports/device.store';
import type { ToDeviceStore } from '../ports/to-device.store';
import type { Txn } from '../ports/txn';
import { LruCache } from './lru-cache';
import { toNumberOrNull, withTxn } from './with-txn';

interface DeviceRow {
  user_id: string;
  device_id: string;
  display_name: string | null;
  last_seen_ts: number | null;
  last_seen_ip: string | null;
  last_seen_user_agent: string | null;
}

const DEVICE_COLUMNS =
  'user_id, device_id, display_name, last_seen_ts, last_seen_ip, last_seen_user_agent';

function toDevice(row: DeviceRow): DeviceRecord {
  return {
    userId: row.user_id,
    deviceId: row.device_id,
    displayName: row.display_name,
    lastSeenTs: toNumberOrNull(row.last_seen_ts),
    lastSeenIp: row.last_seen_ip,
    lastSeenUserAgent: row.last_seen_user_agent,
  };
}

/** Resolved tokens kept in memory, and how long one may be served without a lookup. */
const TOKEN_CACHE_SIZE = 50_000;
const TOKEN_CACHE_TTL_MS = 5 * 60_000;

export class SqlDeviceStore extends DeviceStore {
  private readonly tokenCache = new LruCache<
    string,
    { record: AccessTokenRecord; cachedAt: number }
  >(TOKEN_CACHE_SIZE);
  /** Moves on every token invalidation, so a lookup that overlapped one is not cached. */
  private tokenGeneration = 0;

  constructor(
    private readonly db: SqlDatabase,
    private readonly deviceLists: MultiWriterIdGenerator<Txn>,
    private readonly invalidations: CacheInvalidations,
    private readonly toDevice: ToDeviceStore,
    private readonly now: () => number = Date.now,
  ) {
    super();
    invalidations.register(CACHE_NAMES.accessTokens, (key) => {
      this.tokenGeneration++;
      if (key === null) this.tokenCache.clear();
      else this.tokenCache.delete(key[0]);
    });
  }

  upsertDevice(
    userId: string,
    deviceId: string,
    displayName: string | null,
    txn?: Txn,
  ): Promise<boolean> {
    return withTxn(this.db, 'upsertDevice', txn, async (t) => {
      const inserted = await t.query(
        `INSERT INTO devices (user_id, device_id, display_name, created_ts) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, device_id) DO NOTHING RETURNING device_id`,
        [userId, deviceId, displayName, this.now()],
      );
      if (inserted.length === 0) return false;
      // The id may be an earlier device's, whose messages the sweep has not caught up with yet.
      await this.toDevice.forgetDevices(userId, [deviceId], t);
      await this.recordChanges(t, userId, [deviceId]);
      return true;
    });
  }

  async getDevice(userId: string, deviceId: string): Promise<DeviceRecord | null> {
    const [row] = await this.db.query<DeviceRow>(
      `SELECT ${DEVICE_COLUMNS} FROM devices WHERE user_id = $1 AND device_id = $2`,
      [userId, deviceId],
    );
    return row ? toDevice(row) : null;
  }

  async listDevices(userId: string): Promise<DeviceRecord[]> {
    const rows = await this.db.query<DeviceRow>(
      `SELECT ${DEVICE_COLUMNS} FROM devices WHERE user_id = $1 ORDER BY device_id`,
      [userId],
    );
    return rows.map(toDevice);
  }

  setDisplayName(
    userId: string,
    deviceId: string,
    displayName: string | null,
    txn?: Txn,
  ): Promise<boolean> {
    return withTxn(this.db, 'setDeviceDisplayName', txn, async (t) => {
      const updated = await t.query(
        `UPDATE devices SET display_name = $3 WHERE user_id = $1 AND device_id = $2
         RETURNING device_id`,
        [userId, deviceId, displayName],
      );
      if (updated.length === 0) return false;
      await this.recordChanges(t, userId, [deviceId]);
      return true;
    });
  }

  deleteDevices(userId: string, deviceIds: string[], txn?: Txn): Promise<string[]> {
    if (deviceIds.length === 0) return Promise.resolve([]);
    return withTxn(this.db, 'deleteDevices', txn, async (t) => {
      const list = deviceIds.map((_, i) => `$${i + 2}`).join(', ');
      await this.deleteTokens(t, `user_id = $1 AND device_id IN (${list})`, [userId, ...deviceIds]);
      const deleted = await t.query<{ device_id: string }>(
        `DELETE FROM devices WHERE user_id = $1 AND device_id IN (${list}) RETURNING device_id`,
        [userId, ...deviceIds],
      );
      const deletedIds = deleted.map((row) => row.device_id);
      await this.toDevice.forgetDevices(userId, deletedIds, t);
      await this.recordChanges(t, userId, deletedIds);
      return deletedIds;
    });
  }

  deleteAllDevices(userId: string, exceptDeviceId?: string, txn?: Txn): Promise<string[]> {
    return withTxn(this.db, 'deleteAllDevices', txn, async (t) => {
      const rows = await t.query<{ device_id: string }>(
        'SELECT device_id FROM devices WHERE user_id = $1',
        [userId],
      );
      const doomed = rows.map((row) => row.device_id).filter((id) => id !== exceptDeviceId);
      return this.deleteDevices(userId, doomed, t);
    });
  }

  async recordLastSeen(
    userId: string,
    deviceId: string,
    ip: string,
    userAgent: string,
    ts: number,
  ): Promise<void> {
    await this.db.query(
      `UPDATE devices SET last_seen_ts = $3, last_seen_ip = $4, last_seen_user_agent = $5
       WHERE user_id = $1 AND device_id = $2`,
      [userId, deviceId, ts, ip, userAgent],
    );
  }

  addAccessToken(
    token: { tokenHash: string; userId: string; deviceId: string; validUntilMs: number | null },
    txn?: Txn,
  ): Promise<number> {
    return withTxn(this.db, 'addAccessToken', txn, async (t) => {
      const [row] = await t.query<{ id: number }>(
        `INSERT INTO access_tokens (token_hash, user_id, device_id, created_ts, valid_until_ms)
         VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [token.tokenHash, token.userId, token.deviceId, this.now(), token.validUntilMs],
      );
      return Number(row.id);
    });
  }

  /**
   * The per-request hot path, answered from memory after the first lookup. Deleted tokens are
   * dropped once the deletion commits, here and, through the `caches` stream, on every other
   * process; a lookup that raced a deletion is not cached (the generation moved).
   */
  async getAccessToken(tokenHash: string): Promise<AccessTokenRecord | null> {
    const hit = this.tokenCache.get(tokenHash);
    if (hit && this.now() - hit.cachedAt < TOKEN_CACHE_TTL_MS) return hit.record;
    const generation = this.tokenGeneration;
    const record = await this.lookUpAccessToken(tokenHash);
    if (record && generation === this.tokenGeneration) {
      this.tokenCache.set(tokenHash, { record, cachedAt: this.now() });
    }
    return record;
  }

  private async lookUpAccessToken(tokenHash: string): Promise<AccessTokenRecord | null> {
    const [row] = await this.db.query<{
      id: number;
      user_id: string;
      device_id: string;
      is_guest: boolean;
      valid_until_ms: number | null;
    }>(
      `SELECT t.id, t.user_id, t.device_id, u.is_guest, t.valid_until_ms
       FROM access_tokens t JOIN users u ON u.user_id = t.user_id
       WHERE t.token_hash = $1`,
      [tokenHash],
    );
    return row
      ? {
          id: Number(row.id),
          userId: row.user_id,
          deviceId: row.device_id,
          isGuest: row.is_guest,
          validUntilMs: toNumberOrNull(row.valid_until_ms),
        }
      : null;
  }

  deleteAccessToken(id: number, txn?: Txn): Promise<void> {
    return withTxn(this.db, 'deleteAccessToken', txn, (t) => this.deleteTokens(t, 'id = $1', [id]));
  }

  deleteAccessTokensForUser(userId: string, exceptTokenId?: number, txn?: Txn): Promise<void> {
    return withTxn(this.db, 'deleteAccessTokensForUser', txn, (t) =>
      // No token has id 0, so "except nothing" needs no second statement.
      this.deleteTokens(t, 'user_id = $1 AND id <> $2', [userId, exceptTokenId ?? 0]),
    );
  }

  /** Every token deletion: the tokens go, and every process's token cache forgets them. */
  private async deleteTokens(txn: Txn, where: string, params: unknown[]): Promise<void> {
    const deleted = await txn.query<{ token_hash: string }>(
      `DELETE FROM access_tokens WHERE ${where} RETURNING token_hash`,
      params,
    );
    // In a fixed order, as stream rows sharing an id are read back.
    const keys: CacheKey[] = deleted
      .map((row) => row.token_hash)
      .sort()
      .map((hash) => [hash]);
    await this.invalidations.invalidateInTxn(txn, CACHE_NAMES.accessTokens, keys);
  }

  deviceListsPosition(): number {
    return this.deviceLists.currentToken();
  }

  async getDeviceListChanges(
    from: number,
    to: number,
  ): Promise<Array<{ streamId: number; userId: string; deviceId: string }>> {
    const rows = await this.db.query<{ stream_id: number; user_id: string; device_id: string }>(
      `SELECT stream_id, user_id, device_id FROM device_lists_stream
       WHERE stream_id > $1 AND stream_id <= $2 ORDER BY stream_id, user_id, device_id`,
      [from, to],
    );
    return rows.map((row) => ({
      streamId: Number(row.stream_id),
      userId: row.user_id,
      deviceId: row.device_id,
    }));
  }

  /**
   * One device_lists row per changed device, ids allocated inside the data transaction. On a
   * process that does not write device_lists the id generator refuses, and the change rolls back
   * with it (see the port).
   */
  private async recordChanges(txn: Txn, userId: string, deviceIds: string[]): Promise<void> {
    if (deviceIds.length === 0) return;
    const ids = await this.deviceLists.getNextManyInTxn(txn, deviceIds.length);
    for (const [i, deviceId] of deviceIds.entries()) {
      await txn.query(
        `INSERT INTO device_lists_stream (stream_id, instance_name, user_id, device_id)
         VALUES ($1, $2, $3, $4)`,
        [ids[i], this.deviceLists.instanceName, userId, deviceId],
      );
    }
  }
}
