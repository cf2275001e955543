import { EngineMigration } from './engine-migration';

/**
 * What each local member's push rules said about an event, computed when it was persisted (as
 * Synapse's `event_push_actions`). Only events that notify or highlight get a row, so unread
 * counts are a count of the rows after the member's read receipt.
 */
export class EventPushActions1767225600007 extends EngineMigration {
  readonly name = 'EventPushActions1767225600007';

  protected statements(): string[] {
    return [
      `CREATE TABLE event_push_actions (
        room_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        stream_ordering BIGINT NOT NULL,
        topological_ordering BIGINT NOT NULL,
        notif SMALLINT NOT NULL,
        highlight SMALLINT NOT NULL,
        thread_id TEXT,
        PRIMARY KEY (user_id, event_id)
      )`,
      // Covering: unread counts read only the index, never the rows.
      'CREATE INDEX event_push_actions_user_room ON event_push_actions (user_id, room_id, stream_ordering, thread_id, notif, highlight)',
    ];
  }
}
