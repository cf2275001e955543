import { EngineMigration, serialKey, type Engine } from './engine-migration';

/** Stream id bookkeeping shared by every stream (replication.md §5.3, §5.5). */
export class StreamPositions1767225600000 extends EngineMigration {
  readonly name = 'StreamPositions1767225600000';

  protected statements(engine: Engine): string[] {
    return [
      `CREATE TABLE stream_positions (
        stream_name TEXT NOT NULL,
        instance_name TEXT NOT NULL,
        stream_id BIGINT NOT NULL,
        PRIMARY KEY (stream_name, instance_name)
      )`,
      `CREATE TABLE instance_ids (
        ${serialKey(engine, 'instance_id')},
        instance_name TEXT NOT NULL UNIQUE
      )`,
    ];
  }
}
