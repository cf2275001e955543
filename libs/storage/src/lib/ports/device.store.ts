import type { Txn } from './txn';

export interface DeviceRecord {
  userId: string;
  deviceId: string;
  displayName: string | null;
  lastSeenTs: number | null;
  lastSeenIp: string | null;
  lastSeenUserAgent: string | null;
}

export interface AccessTokenRecord {
  id: number;
  userId: string;
  deviceId: string;
  isGuest: boolean;
  validUntilMs: number | null;
}

/**
 * Devices and the access tokens bound to them. Adding, renaming or deleting a device writes a row
 * to the `device_lists` stream (id from its stream id generator) in the same transaction, so sync
 * and federation can tell which users' device lists changed. Only `device_lists` writers allocate
 * its ids: any other process is refused such a change (it has a writer make it, over HTTP
 * replication), so none commits without its rows. A device created or deleted takes along what
 * the to-device store kept for its id (`ToDeviceStore.forgetDevices`), in the same transaction.
 */
export abstract class DeviceStore {
  /** Inserts the device if missing (keeping an existing display name); returns true if new. */
  abstract upsertDevice(
    userId: string,
    deviceId: string,
    displayName: string | null,
    txn?: Txn,
  ): Promise<boolean>;
  abstract getDevice(userId: string, deviceId: string): Promise<DeviceRecord | null>;
  abstract listDevices(userId: string): Promise<DeviceRecord[]>;
  /** Returns false when the device does not exist. */
  abstract setDisplayName(
    userId: string,
    deviceId: string,
    displayName: string | null,
    txn?: Txn,
  ): Promise<boolean>;
  /**
   * Deletes the devices, every access token bound to them and their to-device inboxes and send
   * transaction ids; returns those that existed.
   */
  abstract deleteDevices(userId: string, deviceIds: string[], txn?: Txn): Promise<string[]>;
  /** Deletes every device of the user except `exceptDeviceId`, with their tokens; returns them. */
  abstract deleteAllDevices(userId: string, exceptDeviceId?: string, txn?: Txn): Promise<string[]>;
  /** Records last-seen info; callers batch this, it is not transactional with anything. */
  abstract recordLastSeen(
    userId: string,
    deviceId: string,
    ip: string,
    userAgent: string,
    ts: number,
  ): Promise<void>;

  /** `tokenHash` is the SHA-256 of the token (hex); the token itself is never stored. */
  abstract addAccessToken(
    token: { tokenHash: string; userId: string; deviceId: string; validUntilMs: number | null },
    txn?: Txn,
  ): Promise<number>;
  abstract getAccessToken(tokenHash: string): Promise<AccessTokenRecord | null>;
  abstract deleteAccessToken(id: number, txn?: Txn): Promise<void>;
  /** Deletes every access token of the user except `exceptTokenId`. */
  abstract deleteAccessTokensForUser(
    userId: string,
    exceptTokenId?: number,
    txn?: Txn,
  ): Promise<void>;

  /** Current position of the device_lists stream (for tests and, later, sync tokens). */
  abstract deviceListsPosition(): number;
  /** Rows of the device_lists stream in (from, to]. */
  abstract getDeviceListChanges(
    from: number,
    to: number,
  ): Promise<Array<{ streamId: number; userId: string; deviceId: string }>>;
}
