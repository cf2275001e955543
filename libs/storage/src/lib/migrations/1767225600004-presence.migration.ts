import { EngineMigration, createStreamSequence, type Engine } from './engine-migration';

/** Each user's presence, one row per user; every change takes a `presence` stream id. */
export class Presence1767225600004 extends EngineMigration {
  readonly name = 'Presence1767225600004';

  protected statements(engine: Engine): string[] {
    return [
      `CREATE TABLE presence (
        user_id TEXT NOT NULL PRIMARY KEY,
        state TEXT NOT NULL,
        status_msg TEXT,
        last_active_ts BIGINT NOT NULL,
        stream_id BIGINT NOT NULL,
        instance_name TEXT NOT NULL
      )`,
      'CREATE INDEX presence_stream ON presence (stream_id)',
      ...(engine === 'postgres' ? createStreamSequence('presence_stream_sequence') : []),
    ];
  }
}
