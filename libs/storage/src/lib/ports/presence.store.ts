export interface PresenceRecord {
  userId: string;
  state: 'online' | 'unavailable' | 'offline';
  statusMsg: string | null;
  lastActiveTs: number;
  streamId: number;
}

/** Users' presence; each update is a `presence` stream row. */
export abstract class PresenceStore {
  abstract setPresence(record: Omit<PresenceRecord, 'streamId'>): Promise<number>;
  abstract getPresence(userId: string): Promise<PresenceRecord | null>;
  /**
   * Presence of the user and of everyone joined to a room the user is joined to, changed in
   * (`after`, `upTo`].
   */
  abstract getPeerPresenceChanges(
    userId: string,
    after: number,
    upTo: number,
  ): Promise<PresenceRecord[]>;
}
