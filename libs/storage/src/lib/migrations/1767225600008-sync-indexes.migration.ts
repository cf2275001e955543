import { EngineMigration } from './engine-migration';

/**
 * Incremental `/sync` asks "which rooms have events in this stream range": without an index on
 * the stream ordering alone that is a scan of every event.
 */
export class SyncIndexes1767225600008 extends EngineMigration {
  readonly name = 'SyncIndexes1767225600008';

  protected statements(): string[] {
    return ['CREATE INDEX events_stream_ordering ON events (stream_ordering)'];
  }
}
