import type { Txn } from './txn';

export interface UserRecord {
  userId: string;
  passwordHash: string | null;
  isAdmin: boolean;
  isGuest: boolean;
  deactivated: boolean;
  createdTs: number;
}

export interface ProfileRecord {
  displayname: string | null;
  avatarUrl: string | null;
}

/** Users and their profiles. Every method that takes `txn?` runs in its own transaction without one. */
export abstract class AccountStore {
  /** Inserts the user and an empty profile; returns false when the user id is taken. */
  abstract createUser(
    user: {
      userId: string;
      passwordHash: string | null;
      isAdmin: boolean;
      isGuest: boolean;
      createdTs: number;
    },
    txn?: Txn,
  ): Promise<boolean>;
  abstract getUser(userId: string, txn?: Txn): Promise<UserRecord | null>;
  /** Case-insensitive lookup, for login with a differently-cased localpart (Synapse does the same). */
  abstract findUserIdsCaseInsensitive(userId: string): Promise<string[]>;
  abstract setPasswordHash(userId: string, passwordHash: string | null, txn?: Txn): Promise<void>;
  abstract markDeactivated(userId: string, txn?: Txn): Promise<void>;
  abstract getProfile(userId: string): Promise<ProfileRecord | null>;
  abstract setDisplayname(userId: string, displayname: string | null, txn?: Txn): Promise<void>;
  abstract setAvatarUrl(userId: string, avatarUrl: string | null, txn?: Txn): Promise<void>;
}
