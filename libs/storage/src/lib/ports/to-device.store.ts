export interface ToDeviceMessage {
  userId: string;
  deviceId: string;
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
}
