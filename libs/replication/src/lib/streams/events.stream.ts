import type { EventStreamRecord } from '@chat/storage';
import { STREAM_NAMES } from '@chat/streams';
import type { DbStreamDefinition } from './db-replication-stream';
import { rowFields as f, StreamRowFormatError, tupleCodec, type RowCodec } from './row-codec';

/** Type ids of `events` rows (replication.md §4.2). */
export const EVENTS_ROW_TYPES = {
  event: 'ev',
  state: 'state',
  stateAll: 'state-all',
} as const;

/** This many current-state changes of one room in one page become one `state-all` row. */
export const STATE_ALL_THRESHOLD = 150;

/** A newly persisted event. */
export type EventRowData = readonly [
  eventId: string,
  roomId: string,
  type: string,
  stateKey: string | null,
  redacts: string | null,
  relatesTo: string | null,
  membership: string | null,
  rejected: boolean,
  outlier: boolean,
];

/** A current-state entry of a room changed; `eventId` null: the entry was removed. */
export type StateRowData = readonly [
  roomId: string,
  type: string,
  stateKey: string,
  eventId: string | null,
];

/** So many current-state changes that receivers drop all of the room's current-state caches. */
export type StateAllRowData = readonly [roomId: string];

interface EventsRowData {
  [EVENTS_ROW_TYPES.event]: EventRowData;
  [EVENTS_ROW_TYPES.state]: StateRowData;
  [EVENTS_ROW_TYPES.stateAll]: StateAllRowData;
}

type EventsRowType = keyof EventsRowData;

/** `[type, data]`. */
export type EventsStreamRow = {
  [T in EventsRowType]: readonly [T, EventsRowData[T]];
}[EventsRowType];

const events = STREAM_NAMES.events;
const DATA_CODECS: { [T in EventsRowType]: RowCodec<EventsRowData[T]> } = {
  [EVENTS_ROW_TYPES.event]: tupleCodec(`${events} ${EVENTS_ROW_TYPES.event}`, [
    f.eventId,
    f.roomId,
    f.text,
    f.nullable(f.text),
    f.nullable(f.eventId),
    f.nullable(f.eventId),
    f.nullable(f.text),
    f.flag,
    f.flag,
  ]),
  [EVENTS_ROW_TYPES.state]: tupleCodec(`${events} ${EVENTS_ROW_TYPES.state}`, [
    f.roomId,
    f.text,
    f.text,
    f.nullable(f.eventId),
  ]),
  [EVENTS_ROW_TYPES.stateAll]: tupleCodec(`${events} ${EVENTS_ROW_TYPES.stateAll}`, [f.roomId]),
};

function isRowType(value: unknown): value is EventsRowType {
  return typeof value === 'string' && Object.hasOwn(DATA_CODECS, value);
}

/** `[type, data]`: the type id picks the data's tuple. */
const EVENTS_ROW_CODEC: RowCodec<EventsStreamRow> = {
  parse(json) {
    if (!Array.isArray(json) || json.length !== 2) {
      throw new StreamRowFormatError(events, json, 'not a [type, data] pair');
    }
    const [type, data] = json as [unknown, unknown];
    if (!isRowType(type)) {
      throw new StreamRowFormatError(events, json, `unknown row type ${JSON.stringify(type)}`);
    }
    return [type, DATA_CODECS[type].parse(data)] as EventsStreamRow;
  },
  encode: ([type, data]) => [type, [...data]],
};

/**
 * A stored event is its `ev` row and, if it is a state event that entered the room state, the
 * `state` row of the entry it set. We have no stream of current-state deltas (the table keeps no
 * history), so state rows are derived from the events themselves, under the event's token: one
 * source, hence one upper bound for both row types (§4.1).
 */
function eventRows(record: EventStreamRecord): EventsStreamRow[] {
  const { eventId, roomId, type, stateKey } = record;
  const rows: EventsStreamRow[] = [
    [
      EVENTS_ROW_TYPES.event,
      [
        eventId,
        roomId,
        type,
        stateKey,
        record.redacts,
        record.relatesTo,
        record.membership,
        record.rejected,
        record.outlier,
      ],
    ],
  ];
  if (stateKey !== null && !record.outlier && !record.rejected) {
    rows.push([EVENTS_ROW_TYPES.state, [roomId, type, stateKey, eventId]]);
  }
  return rows;
}

/**
 * Replaces the `state` rows of a room with at least `threshold` of them in the page by one
 * `state-all` row at the last of their tokens: cheaper for receivers than that many single
 * invalidations, and still inside the page's tokens.
 */
export function compactStateRows(
  updates: Array<[number, EventsStreamRow]>,
  threshold = STATE_ALL_THRESHOLD,
): Array<[number, EventsStreamRow]> {
  const stateRows = new Map<string, { count: number; lastToken: number }>();
  for (const [token, [type, data]] of updates) {
    if (type !== EVENTS_ROW_TYPES.state) continue;
    const seen = stateRows.get(data[0]) ?? { count: 0, lastToken: token };
    stateRows.set(data[0], { count: seen.count + 1, lastToken: token });
  }
  const busy = new Map([...stateRows].filter(([, room]) => room.count >= threshold));
  if (busy.size === 0) return updates;
  const out: Array<[number, EventsStreamRow]> = [];
  const replaced = new Set<string>();
  for (const update of updates) {
    const [token, [type, data]] = update;
    const room = type === EVENTS_ROW_TYPES.state ? busy.get(data[0]) : undefined;
    if (!room) {
      out.push(update);
    } else if (token === room.lastToken && !replaced.has(data[0])) {
      out.push([token, [EVENTS_ROW_TYPES.stateAll, [data[0]]]]);
      replaced.add(data[0]);
    }
  }
  return out;
}

export const EVENTS_STREAM: DbStreamDefinition<typeof STREAM_NAMES.events, EventsStreamRow> = {
  name: events,
  codec: EVENTS_ROW_CODEC,
  toRows: eventRows,
  compact: (updates) => compactStateRows(updates),
};
