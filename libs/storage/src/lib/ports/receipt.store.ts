export interface ReceiptRecord {
  roomId: string;
  receiptType: string;
  userId: string;
  /** `main`, a thread root id, or '' for an unthreaded receipt. */
  threadId: string;
  eventId: string;
  data: Record<string, unknown>;
  streamId: number;
}

/** Read receipts, one per (room, type, user, thread); each update is a `receipts` stream row. */
export abstract class ReceiptStore {
  /** Stores the receipt and returns its stream id. */
  abstract upsertReceipt(receipt: Omit<ReceiptRecord, 'streamId'>): Promise<number>;
  abstract getReceipt(
    roomId: string,
    receiptType: string,
    userId: string,
    threadId: string,
  ): Promise<ReceiptRecord | null>;
  /** Receipts in these rooms whose stream id is in (`after`, `upTo`], with their writer. */
  abstract getReceiptsInRange(
    roomIds: readonly string[],
    after: number,
    upTo: number,
  ): Promise<Array<ReceiptRecord & { instanceName: string }>>;
}
