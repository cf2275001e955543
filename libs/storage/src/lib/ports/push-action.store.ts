/**
 * One local member's push-rule outcome for an event, written with the event (protocol.md §6.5
 * "Unread counts"). Only outcomes that notify are kept.
 */
export interface PushActionRow {
  eventId: string;
  userId: string;
  notify: boolean;
  highlight: boolean;
  /** The thread root for events in a thread, else null (the main timeline). */
  threadId: string | null;
}

export interface UnreadCounts {
  notifications: number;
  highlights: number;
}

/** Unread notification counts, from the push actions stored after the user's read receipts. */
export abstract class PushActionStore {
  /**
   * Per room, the user's notifying and highlighting events after their read receipt (`m.read`
   * or `m.read.private`, whichever is later; a threaded receipt only covers its thread). Every
   * room asked for is in the result, with zeros when nothing is unread.
   */
  abstract getUnreadCounts(
    userId: string,
    roomIds: readonly string[],
  ): Promise<Map<string, UnreadCounts>>;
}
