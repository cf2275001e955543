import { parsePropertyPath } from '@chat/protocol';

import type { ClientEvent } from '../rooms/client-event.serializer';
import type { Filter } from './filter';

/**
 * Applies a filter's `event_fields` (dot-separated paths, spec appendices) to an event: only
 * the listed fields are kept, nested objects copied along their paths.
 */
export function projectEventFields(
  event: Record<string, unknown>,
  fields: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const path = parsePropertyPath(field);
    let source: unknown = event;
    for (const name of path) {
      if (typeof source !== 'object' || source === null || !Object.hasOwn(source, name)) {
        source = undefined;
        break;
      }
      source = (source as Record<string, unknown>)[name];
    }
    if (source === undefined) continue;
    let target = out;
    for (const name of path.slice(0, -1)) {
      const next = target[name];
      if (typeof next !== 'object' || next === null) target[name] = {};
      target = target[name] as Record<string, unknown>;
    }
    target[path[path.length - 1]] = source;
  }
  return out;
}

/** Sync's room events: no `room_id` (the room is the key above them), then `event_fields`. */
export function formatSyncEvent(event: ClientEvent, filter: Filter): ClientEvent {
  const { room_id: _roomId, ...rest } = event;
  return filter.event_fields ? projectEventFields(rest, filter.event_fields) : rest;
}
