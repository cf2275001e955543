import type { EventTxnKey } from '@chat/storage';

/** What a handler asks the writer to build: everything but the graph fields. */
export interface EventDraft {
  type: string;
  sender: string;
  stateKey?: string;
  content: Record<string, unknown>;
  /** For `m.room.redaction`: placed top-level or in content as the room version requires. */
  redacts?: string;
  /** The client's transaction, recorded atomically with the event (protocol.md §6.3). */
  txn?: EventTxnKey;
}

export interface WrittenEvent {
  eventId: string;
  streamOrdering: number;
  /** True when a retried transaction id matched an event written earlier. */
  deduplicated: boolean;
}
