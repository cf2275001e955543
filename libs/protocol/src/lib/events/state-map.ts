/** A room state: (type, state_key) → value, keyed by {@link stateMapKey}. */
export type StateMap<T> = Map<string, T>;

/** Event types and state keys never contain NUL (rejected at the format check), so it separates. */
export function stateMapKey(type: string, stateKey: string): string {
  return `${type}\u0000${stateKey}`;
}

export function parseStateMapKey(key: string): [type: string, stateKey: string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}
