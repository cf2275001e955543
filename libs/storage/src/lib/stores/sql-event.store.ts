import {
  getRoomVersion,
  RoomEvent,
  stateMapKey,
  parseStateMapKey,
  type Pdu,
  type StateMap,
} from '@chat/protocol';
import type { MultiWriterIdGenerator } from '@chat/streams';
import type { SqlDatabase } from '../database/sql-database';
import {
  EventStore,
  type EventBatch,
  type EventPageFilter,
  type EventTxnKey,
  type HistoryPosition,
  type MembershipChange,
  type MembershipRecord,
  type PersistedEvent,
  type RelationsPage,
  type RoomMemberEntry,
  type RoomRecord,
  type StoredEvent,
  txnKeyString,
} from '../ports/event.store';
import type { Txn } from '../ports/txn';
import { insertRows } from './insert-rows';
import { LruCache } from './lru-cache';
import { withTxn } from './with-txn';

/** Deltas chain at most this deep before a full snapshot is written, bounding state loads. */
const MAX_DELTA_DEPTH = 100;
const EVENT_CACHE_SIZE = 50_000;
const STATE_GROUP_CACHE_SIZE = 2_000;

interface EventRow {
  event_id: string;
  room_id: string;
  stream_ordering: number | string;
  instance_name: string;
  topological_ordering: number | string;
  state_group: number | string | null;
  outlier: boolean | number;
  rejected_reason: string | null;
  redacted_by: string | null;
  replaces_state: string | null;
  json: string;
  room_version: string;
}

const EVENT_COLUMNS =
  'e.event_id, e.room_id, e.stream_ordering, e.instance_name, e.topological_ordering, ' +
  'e.state_group, e.outlier, e.rejected_reason, e.redacted_by, e.replaces_state, e.json, r.room_version';
const EVENT_FROM = 'events e JOIN rooms r ON r.room_id = e.room_id';
const EVENT_INSERT_COLUMNS = [
  'event_id',
  'room_id',
  'stream_ordering',
  'instance_name',
  'topological_ordering',
  'type',
  'state_key',
  'sender',
  'origin_server_ts',
  'membership',
  'redacts',
  'relates_to_id',
  'rel_type',
  'contains_url',
  'state_group',
  'replaces_state',
  'json',
];
const MEMBERSHIP_COLUMNS = [
  'event_id',
  'room_id',
  'user_id',
  'sender',
  'membership',
  'stream_ordering',
  'display_name',
  'avatar_url',
];
const TXN_ID_COLUMNS = ['user_id', 'device_id', 'scope', 'txn_id', 'event_id', 'created_ts'];
const PUSH_ACTION_COLUMNS = [
  'room_id',
  'event_id',
  'user_id',
  'stream_ordering',
  'topological_ordering',
  'notif',
  'highlight',
  'thread_id',
];

interface CachedGroup {
  state: StateMap<string>;
  deltaDepth: number;
}

function relationOf(content: Record<string, unknown>): { eventId: string; relType: string } | null {
  const relates = content['m.relates_to'];
  if (typeof relates !== 'object' || relates === null) return null;
  const { event_id: eventId, rel_type: relType } = relates as Record<string, unknown>;
  return typeof eventId === 'string' && typeof relType === 'string' ? { eventId, relType } : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** `*` matches any run of characters in filter type patterns (protocol.md §6.6). */
function likePattern(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
}

export class SqlEventStore extends EventStore {
  private readonly eventCache = new LruCache<string, StoredEvent>(EVENT_CACHE_SIZE);
  private readonly groupCache = new LruCache<number, CachedGroup>(STATE_GROUP_CACHE_SIZE);

  constructor(
    private readonly db: SqlDatabase,
    private readonly events: MultiWriterIdGenerator<Txn>,
    private readonly instanceName: string,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  persistBatch(batch: EventBatch): Promise<PersistedEvent[]> {
    return this.db.runInteraction('persistEvents', async (txn) => {
      const orderings = await this.events.getNextManyInTxn(txn, batch.events.length);
      let group = batch.stateGroupBefore;
      let groupDepth = group === null ? -1 : await this.groupDepth(txn, group);
      const newGroups: Array<[number, CachedGroup]> = [];
      const results: PersistedEvent[] = [];
      const eventRows: unknown[][] = [];
      const edgeRows: unknown[][] = [];
      const authRows: unknown[][] = [];
      const memberRows: unknown[][] = [];
      const txnRows: unknown[][] = [];
      const prevIds = new Set<string>();
      const membershipById = new Map<string, string | null>();
      const now = this.now();
      for (const [i, item] of batch.events.entries()) {
        const { event } = item;
        const streamOrdering = orderings[i];
        if (event.isState() || group === null) {
          const written = await this.writeStateGroup(
            txn,
            event,
            group,
            groupDepth,
            item.stateAfter,
          );
          group = written.id;
          groupDepth = written.deltaDepth;
          newGroups.push([written.id, { state: item.stateAfter, deltaDepth: written.deltaDepth }]);
        }
        membershipById.set(event.eventId, event.membership ?? null);
        const relation = relationOf(event.content);
        eventRows.push([
          event.eventId,
          event.roomId,
          streamOrdering,
          this.instanceName,
          event.depth,
          event.type,
          event.stateKey ?? null,
          event.sender,
          event.originServerTs,
          event.membership ?? null,
          event.redacts ?? null,
          relation?.eventId ?? null,
          relation?.relType ?? null,
          typeof event.content['url'] === 'string',
          group,
          item.replacesState ?? null,
          JSON.stringify(event.pdu),
        ]);
        for (const prev of new Set(event.prevEventIds)) {
          edgeRows.push([event.eventId, prev]);
          prevIds.add(prev);
        }
        for (const authId of new Set(event.authEventIdsWithCreate)) {
          authRows.push([event.eventId, authId]);
        }
        if (event.type === 'm.room.create') {
          await txn.query(
            `INSERT INTO rooms (room_id, room_version, creator, is_public, created_ts)
             VALUES ($1, $2, $3, FALSE, $4)`,
            [event.roomId, event.version.id, event.sender, now],
          );
        }
        if (event.membership !== undefined && event.stateKey !== undefined) {
          memberRows.push([
            event.eventId,
            event.roomId,
            event.stateKey,
            event.sender,
            event.membership,
            streamOrdering,
            stringOrNull(event.content['displayname']),
            stringOrNull(event.content['avatar_url']),
          ]);
        }
        if (item.txn) {
          const { userId, deviceId, scope, txnId } = item.txn;
          txnRows.push([userId, deviceId, scope, txnId, event.eventId, now]);
        }
        if (item.applyRedactionTo) {
          await txn.query(
            'UPDATE events SET redacted_by = $1 WHERE event_id = $2 AND redacted_by IS NULL',
            [event.eventId, item.applyRedactionTo],
          );
          txn.afterCommit(() => this.eventCache.delete(item.applyRedactionTo as string));
        }
        results.push({ eventId: event.eventId, streamOrdering, stateGroup: group });
      }
      await insertRows(txn, 'events', EVENT_INSERT_COLUMNS, eventRows);
      await insertRows(txn, 'event_edges', ['event_id', 'prev_event_id'], edgeRows);
      await insertRows(txn, 'event_auth', ['event_id', 'auth_id'], authRows);
      await insertRows(txn, 'room_memberships', MEMBERSHIP_COLUMNS, memberRows);
      await insertRows(txn, 'event_txn_ids', TXN_ID_COLUMNS, txnRows);
      await this.insertPushActions(txn, batch, results);
      await this.moveForwardExtremities(txn, batch, prevIds);
      await this.updateCurrentState(txn, batch, membershipById);
      txn.afterCommit(() => {
        for (const [id, cached] of newGroups) this.groupCache.set(id, cached);
      });
      return results;
    });
  }

  /** Push actions take their event's orderings, so unread counts compare them with receipts. */
  private async insertPushActions(
    txn: Txn,
    batch: EventBatch,
    results: PersistedEvent[],
  ): Promise<void> {
    if (!batch.pushActions?.length) return;
    const streamById = new Map(results.map((r) => [r.eventId, r.streamOrdering]));
    const depthById = new Map(batch.events.map(({ event }) => [event.eventId, event.depth]));
    await insertRows(
      txn,
      'event_push_actions',
      PUSH_ACTION_COLUMNS,
      batch.pushActions.map((row) => [
        batch.roomId,
        row.eventId,
        row.userId,
        streamById.get(row.eventId),
        depthById.get(row.eventId),
        row.notify ? 1 : 0,
        row.highlight ? 1 : 0,
        row.threadId,
      ]),
    );
  }

  /** The batch's events that nothing in it cites replace the extremities they cite. */
  private async moveForwardExtremities(
    txn: Txn,
    batch: EventBatch,
    prevIds: Set<string>,
  ): Promise<void> {
    if (prevIds.size > 0) {
      const ids = [...prevIds];
      await txn.query(
        `DELETE FROM event_forward_extremities WHERE room_id = $1
         AND event_id IN (${ids.map((_, i) => `$${i + 2}`).join(', ')})`,
        [batch.roomId, ...ids],
      );
    }
    const tips = batch.events.filter(({ event }) => !prevIds.has(event.eventId));
    await insertRows(
      txn,
      'event_forward_extremities',
      ['room_id', 'event_id'],
      tips.map(({ event }) => [batch.roomId, event.eventId]),
    );
  }

  private async writeStateGroup(
    txn: Txn,
    event: RoomEvent,
    prevGroup: number | null,
    prevDepth: number,
    stateAfter: StateMap<string>,
  ): Promise<{ id: number; deltaDepth: number }> {
    const snapshot = prevGroup === null || prevDepth + 1 >= MAX_DELTA_DEPTH;
    const deltaDepth = snapshot ? 0 : prevDepth + 1;
    const [row] = await txn.query<{ id: number | string }>(
      `INSERT INTO state_groups (room_id, event_id, prev_group, delta_depth)
       VALUES ($1, $2, $3, $4) RETURNING id`,
      [event.roomId, event.eventId, snapshot ? null : prevGroup, deltaDepth],
    );
    const id = Number(row.id);
    const entries: Array<[string, string]> = snapshot
      ? [...stateAfter.entries()]
      : [[stateMapKey(event.type, event.stateKey as string), event.eventId]];
    await insertRows(
      txn,
      'state_group_entries',
      ['state_group', 'type', 'state_key', 'event_id'],
      entries.map(([key, eventId]) => [id, ...parseStateMapKey(key), eventId]),
    );
    return { id, deltaDepth };
  }

  private async groupDepth(txn: Txn, group: number): Promise<number> {
    const cached = this.groupCache.get(group);
    if (cached) return cached.deltaDepth;
    const [row] = await txn.query<{ delta_depth: number }>(
      'SELECT delta_depth FROM state_groups WHERE id = $1',
      [group],
    );
    if (!row) throw new Error(`unknown state group ${group}`);
    return Number(row.delta_depth);
  }

  private async updateCurrentState(
    txn: Txn,
    batch: EventBatch,
    membershipById: Map<string, string | null>,
  ): Promise<void> {
    for (const [key, eventId] of batch.currentStateDelta) {
      const [type, stateKey] = parseStateMapKey(key);
      let membership = membershipById.get(eventId);
      if (membership === undefined && type === 'm.room.member') {
        membership = (await this.getEvents([eventId])).get(eventId)?.event.membership ?? null;
      }
      await txn.query(
        `INSERT INTO current_state_events (room_id, type, state_key, event_id, membership)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (room_id, type, state_key)
         DO UPDATE SET event_id = excluded.event_id, membership = excluded.membership`,
        [batch.roomId, type, stateKey, eventId, membership ?? null],
      );
    }
  }

  async getRoom(roomId: string): Promise<RoomRecord | null> {
    const [row] = await this.db.query<{
      room_id: string;
      room_version: string;
      creator: string | null;
      is_public: boolean | number;
    }>('SELECT room_id, room_version, creator, is_public FROM rooms WHERE room_id = $1', [roomId]);
    return row
      ? {
          roomId: row.room_id,
          roomVersion: row.room_version,
          creator: row.creator,
          isPublic: Boolean(row.is_public),
        }
      : null;
  }

  async setRoomPublic(roomId: string, isPublic: boolean): Promise<void> {
    await this.db.query('UPDATE rooms SET is_public = $1 WHERE room_id = $2', [isPublic, roomId]);
  }

  async getPublicRoomIds(): Promise<string[]> {
    const rows = await this.db.query<{ room_id: string }>(
      'SELECT room_id FROM rooms WHERE is_public = TRUE ORDER BY created_ts, room_id',
    );
    return rows.map((row) => row.room_id);
  }

  forgetCachedEvent(eventId: string): void {
    this.eventCache.delete(eventId);
  }

  async getEvents(eventIds: readonly string[]): Promise<Map<string, StoredEvent>> {
    const found = new Map<string, StoredEvent>();
    const missing: string[] = [];
    for (const id of new Set(eventIds)) {
      const cached = this.eventCache.get(id);
      if (cached) found.set(id, cached);
      else missing.push(id);
    }
    const chunk = 500;
    for (let start = 0; start < missing.length; start += chunk) {
      const ids = missing.slice(start, start + chunk);
      const placeholders = ids.map((_, i) => `$${i + 1}`).join(', ');
      const rows = await this.db.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM ${EVENT_FROM} WHERE e.event_id IN (${placeholders})`,
        ids,
      );
      for (const row of rows) {
        const stored = this.toStored(row);
        this.eventCache.set(stored.event.eventId, stored);
        found.set(stored.event.eventId, stored);
      }
    }
    return found;
  }

  private toStored(row: EventRow): StoredEvent {
    const version = getRoomVersion(row.room_version);
    if (!version) throw new Error(`room ${row.room_id} has unknown version ${row.room_version}`);
    const event = new RoomEvent(
      JSON.parse(row.json) as Pdu,
      version,
      row.event_id,
      row.rejected_reason,
    );
    return {
      event,
      streamOrdering: Number(row.stream_ordering),
      instanceName: row.instance_name,
      topologicalOrdering: Number(row.topological_ordering),
      stateGroup: row.state_group === null ? null : Number(row.state_group),
      outlier: Boolean(row.outlier),
      redactedBy: row.redacted_by,
      replacesState: row.replaces_state,
    };
  }

  async getForwardExtremities(roomId: string): Promise<string[]> {
    const rows = await this.db.query<{ event_id: string }>(
      'SELECT event_id FROM event_forward_extremities WHERE room_id = $1',
      [roomId],
    );
    return rows.map((row) => row.event_id);
  }

  async getStateGroupState(group: number): Promise<StateMap<string>> {
    // Walk back to a cached group or a snapshot, then apply the deltas oldest first.
    const chain: Array<{ id: number; deltaDepth: number }> = [];
    let base: StateMap<string> = new Map();
    let cursor: number | null = group;
    while (cursor !== null) {
      const cached = this.groupCache.get(cursor);
      if (cached) {
        base = cached.state;
        break;
      }
      const rows: Array<{ prev_group: number | string | null; delta_depth: number }> =
        await this.db.query('SELECT prev_group, delta_depth FROM state_groups WHERE id = $1', [
          cursor,
        ]);
      const row = rows[0];
      if (!row) throw new Error(`unknown state group ${cursor}`);
      chain.push({ id: cursor, deltaDepth: Number(row.delta_depth) });
      cursor = row.prev_group === null ? null : Number(row.prev_group);
    }
    let state = base;
    for (const link of chain.reverse()) {
      const rows = await this.db.query<{ type: string; state_key: string; event_id: string }>(
        'SELECT type, state_key, event_id FROM state_group_entries WHERE state_group = $1',
        [link.id],
      );
      state = new Map(state);
      for (const row of rows) state.set(stateMapKey(row.type, row.state_key), row.event_id);
      this.groupCache.set(link.id, { state, deltaDepth: link.deltaDepth });
    }
    return state;
  }

  async getCurrentState(roomId: string): Promise<StateMap<string>> {
    const rows = await this.db.query<{ type: string; state_key: string; event_id: string }>(
      'SELECT type, state_key, event_id FROM current_state_events WHERE room_id = $1',
      [roomId],
    );
    return new Map(rows.map((row) => [stateMapKey(row.type, row.state_key), row.event_id]));
  }

  async getCurrentStateEventId(
    roomId: string,
    type: string,
    stateKey: string,
  ): Promise<string | null> {
    const [row] = await this.db.query<{ event_id: string }>(
      `SELECT event_id FROM current_state_events
       WHERE room_id = $1 AND type = $2 AND state_key = $3`,
      [roomId, type, stateKey],
    );
    return row?.event_id ?? null;
  }

  async getCurrentMembership(roomId: string, userId: string): Promise<MembershipRecord | null> {
    const [row] = await this.db.query<{
      event_id: string;
      membership: string;
      stream_ordering: number | string;
    }>(
      `SELECT c.event_id, c.membership, e.stream_ordering
       FROM current_state_events c JOIN events e ON e.event_id = c.event_id
       WHERE c.room_id = $1 AND c.type = 'm.room.member' AND c.state_key = $2`,
      [roomId, userId],
    );
    return row
      ? {
          eventId: row.event_id,
          membership: row.membership,
          streamOrdering: Number(row.stream_ordering),
        }
      : null;
  }

  async getRoomsForUser(userId: string, memberships: readonly string[]): Promise<string[]> {
    if (memberships.length === 0) return [];
    const placeholders = memberships.map((_, i) => `$${i + 2}`).join(', ');
    const rows = await this.db.query<{ room_id: string }>(
      `SELECT room_id FROM current_state_events
       WHERE state_key = $1 AND type = 'm.room.member' AND membership IN (${placeholders})`,
      [userId, ...memberships],
    );
    return rows.map((row) => row.room_id);
  }

  async getRoomMembers(roomId: string, membership: string): Promise<string[]> {
    const rows = await this.db.query<{ state_key: string }>(
      `SELECT state_key FROM current_state_events
       WHERE room_id = $1 AND type = 'm.room.member' AND membership = $2`,
      [roomId, membership],
    );
    return rows.map((row) => row.state_key);
  }

  async markForgotten(roomId: string, userId: string): Promise<void> {
    await this.db.query(
      'UPDATE room_memberships SET forgotten = TRUE WHERE room_id = $1 AND user_id = $2',
      [roomId, userId],
    );
  }

  async getEventIdsForTxns(keys: readonly EventTxnKey[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (keys.length === 0) return found;
    const params: unknown[] = [];
    const tuples = keys.map((key) => {
      params.push(key.userId, key.deviceId, key.scope, key.txnId);
      const n = params.length;
      return `(user_id = $${n - 3} AND device_id = $${n - 2} AND scope = $${n - 1} AND txn_id = $${n})`;
    });
    const rows = await this.db.query<{
      user_id: string;
      device_id: string;
      scope: string;
      txn_id: string;
      event_id: string;
    }>(
      `SELECT user_id, device_id, scope, txn_id, event_id FROM event_txn_ids
       WHERE ${tuples.join(' OR ')}`,
      params,
    );
    for (const row of rows) {
      const key = {
        userId: row.user_id,
        deviceId: row.device_id,
        scope: row.scope,
        txnId: row.txn_id,
      };
      found.set(txnKeyString(key), row.event_id);
    }
    return found;
  }

  async getRoomEventsPage(
    roomId: string,
    from: HistoryPosition,
    dir: 'b' | 'f',
    limit: number,
    opts: { to?: HistoryPosition; filter?: EventPageFilter } = {},
  ): Promise<StoredEvent[]> {
    const params: unknown[] = [roomId, from.topological, from.stream];
    const older =
      '(e.topological_ordering < $2 OR (e.topological_ordering = $2 AND e.stream_ordering < $3))';
    const newer =
      '(e.topological_ordering > $2 OR (e.topological_ordering = $2 AND e.stream_ordering > $3))';
    const where = [
      'e.room_id = $1',
      dir === 'b' ? older : newer,
      'e.outlier = FALSE',
      'e.rejected_reason IS NULL',
    ];
    if (opts.to) {
      params.push(opts.to.topological, opts.to.stream);
      const [t, s] = [`$${params.length - 1}`, `$${params.length}`];
      where.push(
        dir === 'b'
          ? `(e.topological_ordering > ${t} OR (e.topological_ordering = ${t} AND e.stream_ordering >= ${s}))`
          : `(e.topological_ordering < ${t} OR (e.topological_ordering = ${t} AND e.stream_ordering <= ${s}))`,
      );
    }
    where.push(...this.filterClauses(opts.filter, params));
    params.push(limit);
    const order = dir === 'b' ? 'DESC' : 'ASC';
    const rows = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENT_FROM} WHERE ${where.join(' AND ')}
       ORDER BY e.topological_ordering ${order}, e.stream_ordering ${order} LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => this.cached(row));
  }

  private cached(row: EventRow): StoredEvent {
    const hit = this.eventCache.get(row.event_id);
    if (hit) return hit;
    const stored = this.toStored(row);
    this.eventCache.set(row.event_id, stored);
    return stored;
  }

  private filterClauses(filter: EventPageFilter | undefined, params: unknown[]): string[] {
    if (!filter) return [];
    const clauses: string[] = [];
    const anyOf = (column: string, globs: readonly string[]): string =>
      globs
        .map((glob) => {
          params.push(likePattern(glob));
          return `${column} LIKE $${params.length} ESCAPE '\\'`;
        })
        .join(' OR ');
    if (filter.types)
      clauses.push(filter.types.length ? `(${anyOf('e.type', filter.types)})` : 'FALSE');
    if (filter.notTypes?.length) clauses.push(`NOT (${anyOf('e.type', filter.notTypes)})`);
    const inList = (values: readonly string[]): string =>
      values
        .map((value) => {
          params.push(value);
          return `$${params.length}`;
        })
        .join(', ');
    if (filter.senders) {
      clauses.push(filter.senders.length ? `e.sender IN (${inList(filter.senders)})` : 'FALSE');
    }
    if (filter.notSenders?.length) clauses.push(`e.sender NOT IN (${inList(filter.notSenders)})`);
    if (filter.containsUrl !== undefined) {
      clauses.push(filter.containsUrl ? 'e.contains_url = TRUE' : 'e.contains_url = FALSE');
    }
    return clauses;
  }

  async getRoomMaxPosition(roomId: string): Promise<HistoryPosition | null> {
    const [row] = await this.db.query<{ topological_ordering: number; stream_ordering: number }>(
      `SELECT topological_ordering, stream_ordering FROM events WHERE room_id = $1
       ORDER BY topological_ordering DESC, stream_ordering DESC LIMIT 1`,
      [roomId],
    );
    return row
      ? { topological: Number(row.topological_ordering), stream: Number(row.stream_ordering) }
      : null;
  }

  async getRoomPositionAtStream(roomId: string, stream: number): Promise<HistoryPosition | null> {
    const [row] = await this.db.query<{ topological_ordering: number; stream_ordering: number }>(
      `SELECT topological_ordering, stream_ordering FROM events
       WHERE room_id = $1 AND stream_ordering <= $2
       ORDER BY stream_ordering DESC LIMIT 1`,
      [roomId, stream],
    );
    return row
      ? { topological: Number(row.topological_ordering), stream: Number(row.stream_ordering) }
      : null;
  }

  async getRelations(roomId: string, eventId: string, opts: RelationsPage): Promise<StoredEvent[]> {
    const params: unknown[] = [roomId, eventId];
    const where = ['e.room_id = $1', 'e.relates_to_id = $2', 'e.rejected_reason IS NULL'];
    if (opts.relType !== undefined) {
      params.push(opts.relType);
      where.push(`e.rel_type = $${params.length}`);
    }
    if (opts.eventType !== undefined) {
      params.push(opts.eventType);
      where.push(`e.type = $${params.length}`);
    }
    if (opts.from !== undefined) {
      params.push(opts.from);
      where.push(`e.stream_ordering ${opts.dir === 'b' ? '<' : '>'} $${params.length}`);
    }
    if (opts.to !== undefined) {
      params.push(opts.to);
      where.push(`e.stream_ordering ${opts.dir === 'b' ? '>=' : '<='} $${params.length}`);
    }
    params.push(opts.limit);
    const rows = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENT_FROM} WHERE ${where.join(' AND ')}
       ORDER BY e.stream_ordering ${opts.dir === 'b' ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => this.cached(row));
  }

  async getThreadRoots(
    roomId: string,
    opts: { before?: number; limit: number },
  ): Promise<Array<{ root: StoredEvent; latestStreamOrdering: number }>> {
    const params: unknown[] = [roomId];
    let having = '';
    if (opts.before !== undefined) {
      params.push(opts.before);
      having = `HAVING MAX(stream_ordering) < $${params.length}`;
    }
    params.push(opts.limit);
    const rows = await this.db.query<{ relates_to_id: string; latest: number | string }>(
      `SELECT relates_to_id, MAX(stream_ordering) AS latest FROM events
       WHERE room_id = $1 AND rel_type = 'm.thread' AND rejected_reason IS NULL
       GROUP BY relates_to_id ${having} ORDER BY latest DESC LIMIT $${params.length}`,
      params,
    );
    const roots = await this.getEvents(rows.map((row) => row.relates_to_id));
    return rows.flatMap((row) => {
      const root = roots.get(row.relates_to_id);
      return root && root.event.roomId === roomId
        ? [{ root, latestStreamOrdering: Number(row.latest) }]
        : [];
    });
  }

  async getEventNearTimestamp(
    roomId: string,
    ts: number,
    dir: 'b' | 'f',
  ): Promise<StoredEvent | null> {
    const [row] = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENT_FROM}
       WHERE e.room_id = $1 AND e.origin_server_ts ${dir === 'f' ? '>=' : '<='} $2
         AND e.outlier = FALSE AND e.rejected_reason IS NULL
       ORDER BY e.origin_server_ts ${dir === 'f' ? 'ASC' : 'DESC'},
         e.stream_ordering ${dir === 'f' ? 'ASC' : 'DESC'} LIMIT 1`,
      [roomId, ts],
    );
    return row ? this.cached(row) : null;
  }

  expireTxnIds(olderThanTs: number, txn?: Txn): Promise<void> {
    return withTxn(this.db, 'expireTxnIds', txn, async (t) => {
      await t.query('DELETE FROM event_txn_ids WHERE created_ts < $1', [olderThanTs]);
    });
  }

  async getRecentRoomEvents(
    roomIds: readonly string[],
    after: number,
    upTo: number,
    limit: number,
    filter?: EventPageFilter,
  ): Promise<Map<string, StoredEvent[]>> {
    const out = new Map<string, StoredEvent[]>();
    if (roomIds.length === 0 || limit <= 0) return out;
    const live = 'e.outlier = FALSE AND e.rejected_reason IS NULL';
    if (this.db.engine === 'postgres') {
      // One round trip: a LIMITed index walk per room instead of ranking every event of each room.
      const params: unknown[] = [roomIds, after, upTo];
      const where = [
        'e.room_id = wanted.room_id',
        'e.stream_ordering > $2',
        'e.stream_ordering <= $3',
      ];
      where.push(live, ...this.filterClauses(filter, params));
      params.push(limit);
      const rows = await this.db.query<EventRow>(
        `SELECT ev.* FROM unnest($1::text[]) AS wanted(room_id) CROSS JOIN LATERAL (
           SELECT ${EVENT_COLUMNS} FROM ${EVENT_FROM} WHERE ${where.join(' AND ')}
           ORDER BY e.stream_ordering DESC LIMIT $${params.length}) ev`,
        params,
      );
      for (const row of rows) pushTo(out, row.room_id, this.cached(row));
      return out;
    }
    // SQLite runs in-process: a short indexed query per room costs microseconds.
    for (const roomId of roomIds) {
      const params: unknown[] = [roomId, after, upTo];
      const where = ['e.room_id = $1', 'e.stream_ordering > $2', 'e.stream_ordering <= $3'];
      where.push(live, ...this.filterClauses(filter, params));
      params.push(limit);
      const rows = await this.db.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM ${EVENT_FROM} WHERE ${where.join(' AND ')}
         ORDER BY e.stream_ordering DESC LIMIT $${params.length}`,
        params,
      );
      if (rows.length > 0)
        out.set(
          roomId,
          rows.map((row) => this.cached(row)),
        );
    }
    return out;
  }

  async getRoomsChangedBetween(after: number, upTo: number): Promise<Set<string>> {
    if (upTo <= after) return new Set();
    const rows = await this.db.query<{ room_id: string }>(
      `SELECT DISTINCT room_id FROM events
       WHERE stream_ordering > $1 AND stream_ordering <= $2 AND outlier = FALSE`,
      [after, upTo],
    );
    return new Set(rows.map((row) => row.room_id));
  }

  async getMembershipChanges(
    userId: string,
    after: number,
    upTo: number,
  ): Promise<MembershipChange[]> {
    if (upTo <= after) return [];
    const rows = await this.db.query<{
      room_id: string;
      event_id: string;
      membership: string;
      sender: string;
      stream_ordering: number | string;
      instance_name: string;
    }>(
      `SELECT m.room_id, m.event_id, m.membership, m.sender, m.stream_ordering, e.instance_name
       FROM room_memberships m JOIN events e ON e.event_id = m.event_id
       WHERE m.user_id = $1 AND m.stream_ordering > $2 AND m.stream_ordering <= $3
         AND e.rejected_reason IS NULL
       ORDER BY m.stream_ordering`,
      [userId, after, upTo],
    );
    return rows.map((row) => ({
      roomId: row.room_id,
      eventId: row.event_id,
      membership: row.membership,
      sender: row.sender,
      streamOrdering: Number(row.stream_ordering),
      instanceName: row.instance_name,
    }));
  }

  async getRoomMemberEntries(roomIds: readonly string[]): Promise<Map<string, RoomMemberEntry[]>> {
    const out = new Map<string, RoomMemberEntry[]>();
    for (let start = 0; start < roomIds.length; start += IN_LIST_CHUNK) {
      const ids = roomIds.slice(start, start + IN_LIST_CHUNK);
      const rows = await this.db.query<{
        room_id: string;
        state_key: string;
        membership: string;
        stream_ordering: number | string;
      }>(
        `SELECT c.room_id, c.state_key, c.membership, e.stream_ordering
         FROM current_state_events c JOIN events e ON e.event_id = c.event_id
         WHERE c.type = 'm.room.member' AND c.room_id IN (${placeholders(ids.length)})
         ORDER BY e.stream_ordering`,
        ids,
      );
      for (const row of rows) {
        pushTo(out, row.room_id, {
          userId: row.state_key,
          membership: row.membership,
          streamOrdering: Number(row.stream_ordering),
        });
      }
    }
    return out;
  }

  async getJoinedRoomPositions(userId: string): Promise<Map<string, number>> {
    const rows = await this.db.query<{ room_id: string; stream_ordering: number | string }>(
      `SELECT c.room_id, e.stream_ordering FROM current_state_events c
       JOIN events e ON e.event_id = c.event_id
       WHERE c.state_key = $1 AND c.type = 'm.room.member' AND c.membership = 'join'`,
      [userId],
    );
    return new Map(rows.map((row) => [row.room_id, Number(row.stream_ordering)]));
  }

  async getForgottenRooms(userId: string): Promise<Set<string>> {
    const rows = await this.db.query<{ room_id: string }>(
      'SELECT DISTINCT room_id FROM room_memberships WHERE user_id = $1 AND forgotten = TRUE',
      [userId],
    );
    return new Set(rows.map((row) => row.room_id));
  }

  async getUsersSharingRoomWith(userId: string): Promise<Set<string>> {
    const rows = await this.db.query<{ state_key: string }>(
      `SELECT DISTINCT peer.state_key FROM current_state_events me
       JOIN current_state_events peer ON peer.room_id = me.room_id
         AND peer.type = 'm.room.member' AND peer.membership = 'join'
       WHERE me.type = 'm.room.member' AND me.state_key = $1 AND me.membership = 'join'`,
      [userId],
    );
    return new Set(rows.map((row) => row.state_key));
  }

  async getTxnIdsForEvents(
    userId: string,
    deviceId: string,
    eventIds: readonly string[],
  ): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let start = 0; start < eventIds.length; start += IN_LIST_CHUNK) {
      const ids = eventIds.slice(start, start + IN_LIST_CHUNK);
      const rows = await this.db.query<{ event_id: string; txn_id: string }>(
        `SELECT event_id, txn_id FROM event_txn_ids
         WHERE user_id = $1 AND device_id = $2 AND event_id IN (${placeholders(ids.length, 3)})`,
        [userId, deviceId, ...ids],
      );
      for (const row of rows) out.set(row.event_id, row.txn_id);
    }
    return out;
  }
}

/** Bound on the number of values in one `IN (…)` list. */
const IN_LIST_CHUNK = 500;

/** `$first, $first+1, …` for an `IN` list of `count` values. */
function placeholders(count: number, first = 1): string {
  return Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ');
}

function pushTo<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
