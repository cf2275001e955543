import { MatrixError } from '@chat/protocol';
import type { EventPageFilter } from '@chat/storage';

import { validateRoomEventFilter } from '../sync/filter';

/** The parts of a RoomEventFilter that room reads apply (protocol.md §6.6). */
export interface RoomReadFilter extends EventPageFilter {
  limit?: number;
  lazyLoadMembers: boolean;
}

/** Parses the `filter` query parameter (JSON text); 400 M_INVALID_PARAM when malformed. */
export function parseRoomEventFilter(text: string | undefined): RoomReadFilter {
  if (text === undefined || text === '') return { lazyLoadMembers: false };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw MatrixError.invalidParam('filter is not valid JSON');
  }
  const f = validateRoomEventFilter(raw, 'filter', MatrixError.invalidParam);
  return {
    types: f.types,
    notTypes: f.not_types,
    senders: f.senders,
    notSenders: f.not_senders,
    containsUrl: f.contains_url,
    limit: f.limit,
    lazyLoadMembers: f.lazy_load_members === true,
  };
}
