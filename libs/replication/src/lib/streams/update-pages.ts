import type { StreamUpdates } from '../core/replication-stream';

/** One writer's records with a stream id in (`after`, `upTo`], ordered; at most `limit` if given. */
export type RecordReader<Rec> = (after: number, upTo: number, limit?: number) => Promise<Rec[]>;

/**
 * A page of stream rows in (`from`, `to`] of at most `limit` rows, cut only between tokens: a
 * receiver applies a token's rows together and then moves its position to that token, so rows of
 * one token split over two pages would leave it believing it had them all. A token with more rows
 * than a page goes out whole rather than never. `toRows` turns a record into its rows (in wire
 * order); the limit counts rows, not records.
 */
export async function readUpdatesPage<Rec extends { streamId: number }, Row>(
  read: RecordReader<Rec>,
  toRows: (record: Rec) => Row[],
  from: number,
  to: number,
  limit: number,
): Promise<StreamUpdates<Row>> {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new Error(`a page holds at least one row, not ${limit}`);
  }
  if (to <= from) return { updates: [], uptoToken: to, limited: false };
  // One record more than a page tells whether these are all the range holds.
  const records = await read(from, to, limit + 1);
  const complete = records.length <= limit;
  // The LIMIT may have cut the last token's records short; only earlier tokens are known whole.
  let whole = complete ? records : withoutLastToken(records);
  if (!complete && whole.length === 0) {
    // All of them share one token, maybe with more beyond the LIMIT: read that token alone.
    const token = records[0].streamId;
    whole = await read(token - 1, token);
  }
  const updates = whole.flatMap((record) =>
    toRows(record).map((row): [number, Row] => [record.streamId, row]),
  );
  const page = wholeTokens(updates, limit);
  if (complete && page.length === updates.length) {
    return { updates, uptoToken: to, limited: false };
  }
  // A record may stand for no row; its token is still covered.
  const uptoToken = page.length > 0 ? page[page.length - 1][0] : whole[whole.length - 1].streamId;
  return { updates: page, uptoToken, limited: uptoToken < to };
}

function withoutLastToken<Rec extends { streamId: number }>(records: Rec[]): Rec[] {
  const last = records[records.length - 1].streamId;
  let end = records.length;
  while (end > 0 && records[end - 1].streamId === last) end--;
  return records.slice(0, end);
}

/** The longest run of whole tokens within `limit` rows, or the first token alone if larger. */
function wholeTokens<Row>(updates: Array<[number, Row]>, limit: number): Array<[number, Row]> {
  let end = 0;
  while (end < updates.length) {
    let next = end + 1;
    while (next < updates.length && updates[next][0] === updates[end][0]) next++;
    if (next > limit && end > 0) break;
    end = next;
  }
  return updates.slice(0, end);
}
