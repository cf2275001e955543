import { MatrixError } from '@chat/protocol';
import type { EventPageFilter } from '@chat/storage';

/** The parts of a RoomEventFilter that room reads apply (protocol.md §6.6). */
export interface RoomEventFilter extends EventPageFilter {
  limit?: number;
  lazyLoadMembers: boolean;
}

function stringList(value: unknown, key: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw MatrixError.invalidParam(`filter.${key} must be a list of strings`);
  }
  return value as string[];
}

/** Parses the `filter` query parameter (JSON text); 400 M_INVALID_PARAM when malformed. */
export function parseRoomEventFilter(text: string | undefined): RoomEventFilter {
  if (text === undefined || text === '') return { lazyLoadMembers: false };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw MatrixError.invalidParam('filter is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw MatrixError.invalidParam('filter must be a JSON object');
  }
  const f = raw as Record<string, unknown>;
  const limit = f['limit'];
  if (limit !== undefined && (!Number.isInteger(limit) || (limit as number) < 1)) {
    throw MatrixError.invalidParam('filter.limit must be a positive integer');
  }
  for (const key of ['contains_url', 'lazy_load_members'] as const) {
    if (f[key] !== undefined && typeof f[key] !== 'boolean') {
      throw MatrixError.invalidParam(`filter.${key} must be a boolean`);
    }
  }
  return {
    types: stringList(f['types'], 'types'),
    notTypes: stringList(f['not_types'], 'not_types'),
    senders: stringList(f['senders'], 'senders'),
    notSenders: stringList(f['not_senders'], 'not_senders'),
    containsUrl: f['contains_url'] as boolean | undefined,
    limit: limit as number | undefined,
    lazyLoadMembers: f['lazy_load_members'] === true,
  };
}
