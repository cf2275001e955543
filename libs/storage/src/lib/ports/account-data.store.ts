export interface AccountDataChange {
  roomId: string | null;
  type: string;
  content: Record<string, unknown>;
  streamId: number;
}

/** Per-user account data, global (`roomId` null) or per room; each write is a stream row. */
export abstract class AccountDataStore {
  /** Stores the content and returns its `account_data` stream id. */
  abstract putAccountData(
    userId: string,
    roomId: string | null,
    type: string,
    content: Record<string, unknown>,
  ): Promise<number>;
  abstract getAccountData(
    userId: string,
    roomId: string | null,
    type: string,
  ): Promise<Record<string, unknown> | null>;
  /** The user's account data written in (`after`, `upTo`]; `roomId` null for global data. */
  abstract getAccountDataChanges(
    userId: string,
    after: number,
    upTo: number,
  ): Promise<AccountDataChange[]>;
}
