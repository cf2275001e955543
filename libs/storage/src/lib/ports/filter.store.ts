/** Sync filters per user (client-server API §filtering). */
export abstract class FilterStore {
  /** Stores the filter and returns its new id. */
  abstract addFilter(userId: string, filter: Record<string, unknown>): Promise<string>;
  abstract getFilter(userId: string, filterId: string): Promise<Record<string, unknown> | null>;
}
