import vectors from './vectors.json';

/** One entry of the spec test vectors (design/protocol.md §7); `input` varies by group. */
export interface TestVector<I = Record<string, unknown>, E = unknown> {
  name: string;
  kind: 'spec' | 'derived';
  input: I;
  expected: E;
}

/** The vectors whose name starts with `prefix`, as `[name, vector]` rows for `it.each`. */
export function vectorsIn<I, E>(prefix: string): [string, TestVector<I, E>][] {
  const rows = (vectors as unknown as TestVector<I, E>[])
    .filter((vector) => vector.name.startsWith(prefix))
    .map((vector): [string, TestVector<I, E>] => [vector.name, vector]);
  if (rows.length === 0) throw new Error(`No test vectors named ${prefix}*`);
  return rows;
}
