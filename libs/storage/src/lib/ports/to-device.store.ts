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
}
