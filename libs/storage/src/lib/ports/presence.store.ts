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
}
