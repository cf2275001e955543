import type { Txn } from './txn';

export interface UiAuthSessionRecord {
  sessionId: string;
  method: string;
  uri: string;
  /** The request body that opened the session (without `auth`), for `/register` replays. */
  clientDict: Record<string, unknown>;
  /** Server-side values bound to the session (e.g. the user id being registered). */
  serverDict: Record<string, unknown>;
  createdTs: number;
  /** Stage type → result (true, or data such as the authenticated user id). */
  completed: Record<string, unknown>;
}

/**
 * User-interactive auth sessions, registration tokens and shared-secret nonces. All of this lives in
 * the database, not in process memory, so any worker can serve any step of a flow.
 */
export abstract class AuthSessionStore {
  abstract createUiAuthSession(
    session: Omit<UiAuthSessionRecord, 'completed' | 'serverDict'>,
  ): Promise<void>;
  abstract getUiAuthSession(sessionId: string): Promise<UiAuthSessionRecord | null>;
  abstract markStageCompleted(sessionId: string, stageType: string, result: unknown): Promise<void>;
  abstract setServerDictValue(sessionId: string, key: string, value: unknown): Promise<void>;
  abstract deleteUiAuthSession(sessionId: string, txn?: Txn): Promise<void>;
  /** Deletes sessions created before `olderThanTs`; returns how many. */
  abstract expireUiAuthSessions(olderThanTs: number): Promise<number>;

  /** Creates a registration token (admin API later; tests now). */
  abstract createRegistrationToken(token: {
    token: string;
    usesAllowed: number | null;
    expiryTime: number | null;
  }): Promise<void>;
  /** True when the token exists, is not expired and has uses left (counting pending uses). */
  abstract registrationTokenIsValid(token: string, nowMs: number): Promise<boolean>;
  /** Reserve one use while a registration is in progress. */
  abstract registrationTokenAddPending(token: string): Promise<void>;
  /** Move one pending use to completed when the registration finishes. */
  abstract registrationTokenComplete(token: string, txn?: Txn): Promise<void>;

  /** Shared-secret registration nonces (`/_chat/admin/v1/register`). */
  abstract addRegistrationNonce(nonce: string, createdTs: number): Promise<void>;
  /** Deletes the nonce and returns true if it existed and was created at or after `notBeforeTs`. */
  abstract consumeRegistrationNonce(nonce: string, notBeforeTs: number): Promise<boolean>;
}
