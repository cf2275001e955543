import { isValidServerName, parseEventId, parseRoomId, parseUserId } from '@chat/protocol';

/** An `RDATA` row that does not have its stream's shape: the receiver refuses it whole. */
export class StreamRowFormatError extends Error {
  override readonly name = 'StreamRowFormatError';

  constructor(
    readonly stream: string,
    readonly row: unknown,
    reason: string,
  ) {
    super(`malformed ${stream} row ${preview(row)}: ${reason}`);
  }
}

function preview(row: unknown): string {
  const text = JSON.stringify(row) ?? String(row);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** One position of a row tuple: what it must hold. */
export interface RowField<T> {
  /** For error messages: "a user id", "a boolean". */
  readonly expected: string;
  accepts(value: unknown): value is T;
}

function field<T>(expected: string, accepts: (value: unknown) => boolean): RowField<T> {
  return { expected, accepts: accepts as (value: unknown) => value is T };
}

/** The field kinds rows are made of. Ids are checked with the protocol's grammar. */
export const rowFields = {
  text: field<string>('a string', (v) => typeof v === 'string'),
  userId: field<string>('a user id', (v) => parseUserId(v) !== null),
  roomId: field<string>('a room id', (v) => parseRoomId(v) !== null),
  eventId: field<string>('an event id', (v) => parseEventId(v) !== null),
  /** To-device rows name a local recipient (`@user`) or a destination server. */
  userIdOrServer: field<string>(
    'a user id or a server name',
    (v) => parseUserId(v) !== null || isValidServerName(v),
  ),
  flag: field<boolean>('a boolean', (v) => typeof v === 'boolean'),
  timestamp: field<number>(
    'a non-negative integer',
    (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
  ),
  /** A cache key (the caches stream): a non-empty tuple of strings. */
  cacheKey: field<string[]>(
    'a non-empty list of strings',
    (v) => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string'),
  ),
  jsonObject: field<Record<string, unknown>>(
    'a JSON object',
    (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  ),
  nullable<T>(inner: RowField<T>): RowField<T | null> {
    return field(`${inner.expected} or null`, (v) => v === null || inner.accepts(v));
  },
  oneOf<const T extends string>(...values: T[]): RowField<T> {
    return field(`one of ${values.join(', ')}`, (v) => values.includes(v as T));
  },
};

/** The tuple a list of fields describes. */
export type FieldValues<F extends readonly RowField<unknown>[]> = {
  readonly [K in keyof F]: F[K] extends RowField<infer T> ? T : never;
};

/** A row's wire form (replication.md §4.1: a positional JSON array) and its strict reading. */
export interface RowCodec<Row> {
  /** Throws `StreamRowFormatError` on anything but exactly the row's shape. */
  parse(json: unknown): Row;
  encode(row: Row): unknown[];
}

/**
 * The codec of a positional tuple: exactly `fields.length` elements, each accepted by its field.
 * Arity never changes once published (§9.9), so a longer or shorter row is refused, not trimmed.
 */
export function tupleCodec<const F extends readonly RowField<unknown>[]>(
  label: string,
  fields: F,
): RowCodec<FieldValues<F>> {
  return {
    parse(json) {
      if (!Array.isArray(json)) throw new StreamRowFormatError(label, json, 'not an array');
      if (json.length !== fields.length) {
        throw new StreamRowFormatError(
          label,
          json,
          `${json.length} fields where ${fields.length} belong`,
        );
      }
      fields.forEach((f, i) => {
        if (!f.accepts(json[i])) {
          throw new StreamRowFormatError(label, json, `field ${i} is not ${f.expected}`);
        }
      });
      return [...json] as unknown as FieldValues<F>;
    },
    encode: (row) => [...row],
  };
}
