import { EngineMigration } from './engine-migration';

/** Sync filters uploaded by clients; ids count up per user, as Synapse's do. */
export class UserFilters1767225600003 extends EngineMigration {
  readonly name = 'UserFilters1767225600003';

  protected statements(): string[] {
    return [
      `CREATE TABLE user_filters (
        user_id TEXT NOT NULL,
        filter_id BIGINT NOT NULL,
        filter_json TEXT NOT NULL,
        PRIMARY KEY (user_id, filter_id)
      )`,
    ];
  }
}
