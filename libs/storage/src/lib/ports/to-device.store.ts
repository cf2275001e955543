import type { Txn } from './txn';

export interface ToDeviceMessage {
  userId: string;
  deviceId: string;
  type: string;
  content: Record<string, unknown>;
}

/** A message as its recipient's sync delivers it. */
export interface QueuedToDeviceMessage {
  streamId: number;
  sender: string;
  type: string;
  content: Record<string, unknown>;
}

/** To-device messages for local devices; each send is one `to_device` stream position. */
export abstract class ToDeviceStore {
  /**
   * Queues `messages` from the sender's device under one stream id, unless the same device
   * already sent this transaction id: then nothing is written and `duplicate` is true.
   */
  abstract addMessages(
    sender: { userId: string; deviceId: string },
    txnId: string,
    messages: readonly ToDeviceMessage[],
  ): Promise<{ streamId: number | null; duplicate: boolean }>;
  /** The device's queued messages in (`after`, `upTo`], oldest first, at most `limit`. */
  abstract getMessagesForDevice(
    userId: string,
    deviceId: string,
    after: number,
    upTo: number,
    limit: number,
  ): Promise<QueuedToDeviceMessage[]>;
  /** Drops the device's messages up to `upTo`: its sync has acknowledged them. */
  abstract deleteMessagesForDevice(userId: string, deviceId: string, upTo: number): Promise<void>;
  /**
   * Drops what is kept for the devices, which are being deleted or created: their queued
   * messages and the transaction ids of their sends. A device id may be reused, and nothing of
   * an earlier device's must reach (or block) the next one. In `txn` if given.
   */
  abstract forgetDevices(userId: string, deviceIds: readonly string[], txn?: Txn): Promise<void>;
  /**
   * One step of the sweep for messages whose device no longer exists (queued while it was being
   * deleted, or left from before deletions took the inbox along): looks at about `limit` queued
   * messages after stream id `after` (whole stream ids, so a few more when a send spans the
   * boundary) and drops those of missing devices. `scannedUpTo` is where the next step starts,
   * `null` once the step reached the end of the inbox.
   */
  abstract deleteMessagesForMissingDevices(
    after: number,
    limit: number,
  ): Promise<{ deleted: number; scannedUpTo: number | null }>;
  /**
   * Forgets the oldest send transaction ids recorded before `olderThanTs`, about `limit` of them
   * (a few more when several share the last one's timestamp); returns how many.
   */
  abstract expireTxnIds(olderThanTs: number, limit: number): Promise<number>;
}
