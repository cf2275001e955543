import { EngineMigration, createStreamSequence, serialKey, type Engine } from './engine-migration';

/** Users, profiles, devices, access tokens, the device_lists stream and UI-auth state. */
export class Accounts1767225600001 extends EngineMigration {
  readonly name = 'Accounts1767225600001';

  protected statements(engine: Engine): string[] {
    return [
      `CREATE TABLE users (
        user_id TEXT NOT NULL PRIMARY KEY,
        password_hash TEXT,
        is_admin BOOLEAN NOT NULL DEFAULT FALSE,
        is_guest BOOLEAN NOT NULL DEFAULT FALSE,
        deactivated BOOLEAN NOT NULL DEFAULT FALSE,
        created_ts BIGINT NOT NULL
      )`,
      'CREATE INDEX users_lower_user_id ON users (lower(user_id))',
      `CREATE TABLE profiles (
        user_id TEXT NOT NULL PRIMARY KEY,
        displayname TEXT,
        avatar_url TEXT
      )`,
      `CREATE TABLE devices (
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        display_name TEXT,
        last_seen_ts BIGINT,
        last_seen_ip TEXT,
        last_seen_user_agent TEXT,
        created_ts BIGINT NOT NULL,
        PRIMARY KEY (user_id, device_id)
      )`,
      `CREATE TABLE access_tokens (
        ${serialKey(engine, 'id', true)},
        token_hash TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        created_ts BIGINT NOT NULL,
        last_used_ts BIGINT,
        valid_until_ms BIGINT
      )`,
      'CREATE INDEX access_tokens_user_id ON access_tokens (user_id)',
      `CREATE TABLE device_lists_stream (
        stream_id BIGINT NOT NULL,
        instance_name TEXT NOT NULL,
        user_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        PRIMARY KEY (stream_id, user_id, device_id)
      )`,
      ...(engine === 'postgres' ? createStreamSequence('device_lists_sequence') : []),
      `CREATE TABLE ui_auth_sessions (
        session_id TEXT NOT NULL PRIMARY KEY,
        method TEXT NOT NULL,
        uri TEXT NOT NULL,
        client_dict TEXT NOT NULL,
        server_dict TEXT NOT NULL,
        created_ts BIGINT NOT NULL
      )`,
      'CREATE INDEX ui_auth_sessions_created_ts ON ui_auth_sessions (created_ts)',
      `CREATE TABLE ui_auth_sessions_credentials (
        session_id TEXT NOT NULL REFERENCES ui_auth_sessions (session_id) ON DELETE CASCADE,
        stage_type TEXT NOT NULL,
        result TEXT NOT NULL,
        PRIMARY KEY (session_id, stage_type)
      )`,
      `CREATE TABLE registration_tokens (
        token TEXT NOT NULL PRIMARY KEY,
        uses_allowed INTEGER,
        pending INTEGER NOT NULL DEFAULT 0,
        completed INTEGER NOT NULL DEFAULT 0,
        expiry_time BIGINT
      )`,
      `CREATE TABLE registration_nonces (
        nonce TEXT NOT NULL PRIMARY KEY,
        created_ts BIGINT NOT NULL
      )`,
    ];
  }
}
