import { MatrixError } from '@chat/protocol';
import type { HistoryPosition } from '@chat/storage';

/**
 * Room history tokens, Synapse's textual forms (protocol.md §6.7): `t<topological>-<stream>` is
 * a point in the room's history; `s<stream>` a live position, resolved against the room.
 */
export type RoomToken =
  | { kind: 'history'; position: HistoryPosition }
  | { kind: 'stream'; stream: number };

export function formatHistoryToken(position: HistoryPosition): string {
  return `t${position.topological}-${position.stream}`;
}

export function parseRoomToken(text: string): RoomToken {
  let match = /^t(\d{1,15})-(\d{1,15})$/.exec(text);
  if (match) {
    return {
      kind: 'history',
      position: { topological: Number(match[1]), stream: Number(match[2]) },
    };
  }
  // `s<n>` and the leading room part of a composite sync token (`s12_4_...`, `m12~1.13_...`).
  match = /^[sm](\d{1,15})(?:[~_].*)?$/.exec(text);
  if (match) return { kind: 'stream', stream: Number(match[1]) };
  throw MatrixError.invalidParam(`Invalid pagination token: ${text}`);
}

/** Relation and thread pages use a bare stream ordering as their token. */
export function parseStreamOrderingToken(
  text: string | undefined,
  name: string,
): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text)) throw MatrixError.invalidParam(`Invalid ${name} token`);
  return Number(text);
}
