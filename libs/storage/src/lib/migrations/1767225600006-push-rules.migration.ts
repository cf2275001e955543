import { EngineMigration, createStreamSequence, type Engine } from './engine-migration';

/**
 * Each user's push-rule changes as one JSON document (their own rules, and their enabled/actions
 * changes to server defaults); every change is a `push_rules` stream row.
 */
export class PushRules1767225600006 extends EngineMigration {
  readonly name = 'PushRules1767225600006';

  protected statements(engine: Engine): string[] {
    return [
      `CREATE TABLE push_rules (
        user_id TEXT NOT NULL PRIMARY KEY,
        rules_json TEXT NOT NULL,
        stream_id BIGINT NOT NULL,
        instance_name TEXT NOT NULL
      )`,
      'CREATE INDEX push_rules_stream ON push_rules (stream_id)',
      ...(engine === 'postgres' ? createStreamSequence('push_rules_stream_sequence') : []),
    ];
  }
}
