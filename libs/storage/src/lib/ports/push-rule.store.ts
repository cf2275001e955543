/** Per user, the rules document of the push-rules API; each write is a `push_rules` stream row. */
export abstract class PushRuleStore {
  abstract getUserRules(userId: string): Promise<Record<string, unknown> | null>;
  /**
   * Reads the user's document, lets `change` return the new one (or throw), and writes it, in
   * one transaction so that concurrent edits never lose one another.
   */
  abstract updateUserRules(
    userId: string,
    change: (current: Record<string, unknown> | null) => Record<string, unknown>,
  ): Promise<number>;
}
