/** Consecutive rows sharing a token, as one group each (catch-up applies a token's rows at once). */
export function groupByToken<Row>(
  updates: ReadonlyArray<readonly [number, Row]>,
): Array<[token: number, rows: Row[]]> {
  const groups: Array<[number, Row[]]> = [];
  for (const [token, row] of updates) {
    const last = groups.at(-1);
    if (last && last[0] === token) last[1].push(row);
    else groups.push([token, [row]]);
  }
  return groups;
}

/**
 * The wire form of rows sharing a token (§3.4): all but the last go out as `batch` (null), so the
 * receiver applies the group, and advances its position, only when the numeric token arrives.
 */
export function markBatches<Row>(
  updates: ReadonlyArray<readonly [number, Row]>,
): Array<[token: number | null, row: Row]> {
  return updates.map(([token, row], i) => [updates[i + 1]?.[0] === token ? null : token, row]);
}
