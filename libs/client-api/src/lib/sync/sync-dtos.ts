import { IsOptional, IsString } from 'class-validator';

import type { SyncQuery } from '@chat/handlers';
import { MatrixError } from '@chat/protocol';

const SYNC_PARAMS = ['since', 'timeout', 'full_state', 'set_presence', 'filter'] as const;

/** `/sync`'s query: each known parameter at most once, as text; unknown ones are ignored. */
export function syncQuery(raw: Record<string, unknown>): SyncQuery {
  const out: SyncQuery = {};
  for (const name of SYNC_PARAMS) {
    const value = raw[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw MatrixError.invalidParam(`${name} must be given once`);
    out[name] = value;
  }
  return out;
}

/**
 * Query strings stay strings here: the services parse numbers and booleans themselves so that
 * every malformed value gets the same M_INVALID_PARAM wording.
 */
export class EventsQuery {
  @IsOptional()
  @IsString()
  from?: string;

  @IsOptional()
  @IsString()
  timeout?: string;
}

export class InitialSyncQuery {
  @IsOptional()
  @IsString()
  limit?: string;

  @IsOptional()
  @IsString()
  archived?: string;
}
