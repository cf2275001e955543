import type { Database, Txn } from '../ports/txn';

/** Runs `fn` in the caller's transaction, or in a new interaction named `name` without one. */
export function withTxn<T>(
  db: Database,
  name: string,
  txn: Txn | undefined,
  fn: (txn: Txn) => Promise<T>,
): Promise<T> {
  return txn ? fn(txn) : db.runInteraction(name, fn);
}

/** Nullable bigint column → number | null (pg may hand back strings for very large values). */
export function toNumberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
