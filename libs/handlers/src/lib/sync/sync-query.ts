import { MatrixError } from '@chat/protocol';

/** `/sync`'s query parameters as they arrive, and their parsing into Matrix errors. */
export interface SyncQuery {
  since?: string;
  timeout?: string;
  full_state?: string;
  set_presence?: string;
  filter?: string;
}

/** Long-polls above this are clamped (a proxy would cut them off anyway). */
export const MAX_SYNC_TIMEOUT_MS = 60_000;

/** A non-negative integer query parameter, clamped to `max` (not refused above it). */
export function parseQueryInteger(
  text: string | undefined,
  name: string,
  fallback: number,
  max: number,
): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,15}$/.test(text)) {
    throw MatrixError.invalidParam(`${name} must be a non-negative integer`);
  }
  return Math.min(Number(text), max);
}

export function parseBoolean(text: string | undefined, name: string): boolean {
  if (text === undefined || text === '' || text === 'false') return false;
  if (text === 'true') return true;
  throw MatrixError.invalidParam(`${name} must be true or false`);
}

export function parseSetPresence(text: string | undefined): 'online' | 'unavailable' | 'offline' {
  if (text === undefined || text === '') return 'online';
  if (text === 'online' || text === 'unavailable' || text === 'offline') return text;
  throw MatrixError.invalidParam('set_presence must be online, unavailable or offline');
}
