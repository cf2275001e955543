import { EngineMigration, createStreamSequence, serialKey, type Engine } from './engine-migration';

/**
 * Rooms and the event graph: full PDUs with stream and topological orderings, edges, auth edges,
 * forward extremities, state groups (snapshot + delta), current state, memberships, transaction
 * ids, aliases, relations, receipts and account data (read markers).
 */
export class RoomsEvents1767225600002 extends EngineMigration {
  readonly name = 'RoomsEvents1767225600002';

  protected statements(engine: Engine): string[] {
    return [
      `CREATE TABLE rooms (
        room_id TEXT NOT NULL PRIMARY KEY,
        room_version TEXT NOT NULL,
        creator TEXT,
        is_public BOOLEAN NOT NULL DEFAULT FALSE,
        created_ts BIGINT NOT NULL
      )`,
      // `json` is the PDU exactly as it travels; the other columns are indexes over it.
      `CREATE TABLE events (
        event_id TEXT NOT NULL PRIMARY KEY,
        room_id TEXT NOT NULL,
        stream_ordering BIGINT NOT NULL UNIQUE,
        instance_name TEXT NOT NULL,
        topological_ordering BIGINT NOT NULL,
        type TEXT NOT NULL,
        state_key TEXT,
        sender TEXT NOT NULL,
        origin_server_ts BIGINT NOT NULL,
        membership TEXT,
        redacts TEXT,
        relates_to_id TEXT,
        rel_type TEXT,
        contains_url BOOLEAN NOT NULL DEFAULT FALSE,
        outlier BOOLEAN NOT NULL DEFAULT FALSE,
        rejected_reason TEXT,
        state_group BIGINT,
        redacted_by TEXT,
        replaces_state TEXT,
        json TEXT NOT NULL
      )`,
      'CREATE INDEX events_room_stream ON events (room_id, stream_ordering)',
      'CREATE INDEX events_room_topological ON events (room_id, topological_ordering, stream_ordering)',
      'CREATE INDEX events_room_ts ON events (room_id, origin_server_ts)',
      'CREATE INDEX events_relates_to ON events (relates_to_id, rel_type)',
      'CREATE INDEX events_redacts ON events (redacts)',
      ...(engine === 'postgres' ? createStreamSequence('events_stream_seq') : []),
      `CREATE TABLE event_edges (
        event_id TEXT NOT NULL,
        prev_event_id TEXT NOT NULL,
        PRIMARY KEY (event_id, prev_event_id)
      )`,
      'CREATE INDEX event_edges_prev ON event_edges (prev_event_id)',
      `CREATE TABLE event_auth (
        event_id TEXT NOT NULL,
        auth_id TEXT NOT NULL,
        PRIMARY KEY (event_id, auth_id)
      )`,
      `CREATE TABLE event_forward_extremities (
        room_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        PRIMARY KEY (room_id, event_id)
      )`,
      // A state group is the state after an event: a full snapshot, or a delta on prev_group.
      `CREATE TABLE state_groups (
        ${serialKey(engine, 'id', true)},
        room_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        prev_group BIGINT,
        delta_depth INTEGER NOT NULL
      )`,
      `CREATE TABLE state_group_entries (
        state_group BIGINT NOT NULL,
        type TEXT NOT NULL,
        state_key TEXT NOT NULL,
        event_id TEXT NOT NULL,
        PRIMARY KEY (state_group, type, state_key)
      )`,
      `CREATE TABLE current_state_events (
        room_id TEXT NOT NULL,
        type TEXT NOT NULL,
        state_key TEXT NOT NULL,
        event_id TEXT NOT NULL,
        membership TEXT,
        PRIMARY KEY (room_id, type, state_key)
      )`,
      'CREATE INDEX current_state_members ON current_state_events (state_key, type, membership)',
      `CREATE TABLE room_memberships (
        event_id TEXT NOT NULL PRIMARY KEY,
        room_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        membership TEXT NOT NULL,
        stream_ordering BIGINT NOT NULL,
        display_name TEXT,
        avatar_url TEXT,
        forgotten BOOLEAN NOT NULL DEFAULT FALSE
      )`,
      'CREATE INDEX room_memberships_user_room ON room_memberships (user_id, room_id, stream_ordering)',
      `CREATE TABLE event_txn_ids (
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        txn_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        created_ts BIGINT NOT NULL,
        PRIMARY KEY (user_id, device_id, scope, txn_id)
      )`,
      'CREATE INDEX event_txn_ids_created_ts ON event_txn_ids (created_ts)',
      `CREATE TABLE room_aliases (
        room_alias TEXT NOT NULL PRIMARY KEY,
        room_id TEXT NOT NULL,
        creator TEXT NOT NULL,
        created_ts BIGINT NOT NULL
      )`,
      'CREATE INDEX room_aliases_room ON room_aliases (room_id)',
      `CREATE TABLE receipts (
        room_id TEXT NOT NULL,
        receipt_type TEXT NOT NULL,
        user_id TEXT NOT NULL,
        thread_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        data TEXT NOT NULL,
        stream_id BIGINT NOT NULL,
        instance_name TEXT NOT NULL,
        PRIMARY KEY (room_id, receipt_type, user_id, thread_id)
      )`,
      'CREATE INDEX receipts_stream ON receipts (stream_id)',
      ...(engine === 'postgres' ? createStreamSequence('receipts_sequence') : []),
      // room_id '' marks global account data, so one primary key covers both kinds.
      `CREATE TABLE account_data (
        user_id TEXT NOT NULL,
        room_id TEXT NOT NULL,
        type TEXT NOT NULL,
        content TEXT NOT NULL,
        stream_id BIGINT NOT NULL,
        instance_name TEXT NOT NULL,
        PRIMARY KEY (user_id, room_id, type)
      )`,
      'CREATE INDEX account_data_stream ON account_data (stream_id)',
      ...(engine === 'postgres' ? createStreamSequence('account_data_sequence') : []),
    ];
  }
}
