import { MatrixError } from '@chat/protocol';
import type { EventPageFilter, StoredEvent } from '@chat/storage';

/** client-server API §filtering: the shapes, validated strictly (protocol.md §6.6). */
export interface EventFilter {
  limit?: number;
  types?: string[];
  not_types?: string[];
  senders?: string[];
  not_senders?: string[];
}

export interface RoomEventFilter extends EventFilter {
  rooms?: string[];
  not_rooms?: string[];
  contains_url?: boolean;
  lazy_load_members?: boolean;
  include_redundant_members?: boolean;
  unread_thread_notifications?: boolean;
}

export interface RoomFilter {
  rooms?: string[];
  not_rooms?: string[];
  include_leave?: boolean;
  state?: RoomEventFilter;
  timeline?: RoomEventFilter;
  ephemeral?: RoomEventFilter;
  account_data?: RoomEventFilter;
}

export interface Filter {
  event_fields?: string[];
  event_format?: 'client' | 'federation';
  presence?: EventFilter;
  account_data?: EventFilter;
  room?: RoomFilter;
}

type Fail = (message: string) => MatrixError;

function object(value: unknown, path: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail(`${path} must be an object`);
  }
  return value as Record<string, unknown>;
}

function strings(value: unknown, path: string, fail: Fail): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw fail(`${path} must be a list of strings`);
  }
  return value as string[];
}

function bool(value: unknown, path: string, fail: Fail): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw fail(`${path} must be a boolean`);
  return value as boolean | undefined;
}

function eventFilter(value: unknown, path: string, fail: Fail): EventFilter {
  const raw = object(value, path, fail);
  const limit = raw['limit'];
  if (limit !== undefined && (!Number.isInteger(limit) || (limit as number) < 1)) {
    throw fail(`${path}.limit must be a positive integer`);
  }
  const out: EventFilter = {};
  if (limit !== undefined) out.limit = limit as number;
  for (const key of ['types', 'not_types', 'senders', 'not_senders'] as const) {
    const list = strings(raw[key], `${path}.${key}`, fail);
    if (list) out[key] = list;
  }
  return out;
}

/** A RoomEventFilter; `fail` picks the errcode (M_BAD_JSON in bodies, M_INVALID_PARAM in queries). */
export function validateRoomEventFilter(value: unknown, path: string, fail: Fail): RoomEventFilter {
  const raw = object(value, path, fail);
  const out: RoomEventFilter = eventFilter(raw, path, fail);
  for (const key of ['rooms', 'not_rooms'] as const) {
    const list = strings(raw[key], `${path}.${key}`, fail);
    if (list) out[key] = list;
  }
  for (const key of [
    'contains_url',
    'lazy_load_members',
    'include_redundant_members',
    'unread_thread_notifications',
  ] as const) {
    const flag = bool(raw[key], `${path}.${key}`, fail);
    if (flag !== undefined) out[key] = flag;
  }
  return out;
}

/** A whole sync filter; unknown keys are dropped, wrong types refused. */
export function validateFilter(value: unknown, fail: Fail = MatrixError.badJson): Filter {
  const raw = object(value, 'filter', fail);
  const out: Filter = {};
  const fields = strings(raw['event_fields'], 'event_fields', fail);
  if (fields) out.event_fields = fields;
  const format = raw['event_format'];
  if (format !== undefined) {
    if (format !== 'client' && format !== 'federation') {
      throw fail('event_format must be "client" or "federation"');
    }
    out.event_format = format;
  }
  for (const key of ['presence', 'account_data'] as const) {
    if (raw[key] !== undefined) out[key] = eventFilter(raw[key], key, fail);
  }
  if (raw['room'] !== undefined) {
    const room = object(raw['room'], 'room', fail);
    const roomOut: RoomFilter = {};
    for (const key of ['rooms', 'not_rooms'] as const) {
      const list = strings(room[key], `room.${key}`, fail);
      if (list) roomOut[key] = list;
    }
    const includeLeave = bool(room['include_leave'], 'room.include_leave', fail);
    if (includeLeave !== undefined) roomOut.include_leave = includeLeave;
    for (const key of ['state', 'timeline', 'ephemeral', 'account_data'] as const) {
      if (room[key] !== undefined) {
        roomOut[key] = validateRoomEventFilter(room[key], `room.${key}`, fail);
      }
    }
    out.room = roomOut;
  }
  return out;
}

/** A timeline filter as the event store's page filter. */
export function toPageFilter(filter: RoomEventFilter): EventPageFilter {
  return {
    types: filter.types,
    notTypes: filter.not_types,
    senders: filter.senders,
    notSenders: filter.not_senders,
    containsUrl: filter.contains_url,
  };
}

/** `*` matches any run of characters in a filter's type patterns. */
function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`).test(value);
}

export function typeAllowed(filter: EventFilter | undefined, type: string): boolean {
  if (!filter) return true;
  if (filter.not_types?.some((p) => globMatch(p, type))) return false;
  return !filter.types || filter.types.some((p) => globMatch(p, type));
}

export function senderAllowed(
  filter: EventFilter | undefined,
  sender: string | undefined,
): boolean {
  if (!filter || sender === undefined) return true;
  if (filter.not_senders?.includes(sender)) return false;
  return !filter.senders || filter.senders.includes(sender);
}

/** Non-room events (account data, presence, ephemeral) through an EventFilter, with its limit. */
export function filterTyped<T extends Record<string, unknown>>(
  events: T[],
  filter: EventFilter | undefined,
): T[] {
  const kept = events.filter(
    (e) =>
      typeAllowed(filter, e['type'] as string) &&
      senderAllowed(filter, e['sender'] as string | undefined),
  );
  return filter?.limit !== undefined ? kept.slice(0, filter.limit) : kept;
}

/** State events through the state filter (types, senders, limit). */
export function filterEvents(list: StoredEvent[], filter: RoomEventFilter): StoredEvent[] {
  const kept = list.filter(
    (s) => typeAllowed(filter, s.event.type) && senderAllowed(filter, s.event.sender),
  );
  return filter.limit !== undefined ? kept.slice(0, filter.limit) : kept;
}
