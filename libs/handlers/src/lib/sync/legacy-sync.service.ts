import { Injectable } from '@nestjs/common';

import type { Requester } from '@chat/platform';
import { EventStore } from '@chat/storage';

import { ClientEventSerializer } from '../rooms/client-event.serializer';
import { MAX_SYNC_TIMEOUT_MS, parseQueryInteger } from './sync-query';
import { SyncService } from './sync.service';

type Json = Record<string, unknown>;
type Section = Record<string, Json>;

const DEFAULT_EVENTS_LIMIT = 100;
const DEFAULT_INITIAL_SYNC_LIMIT = 10;
const MAX_LIMIT = 1000;

/**
 * The pre-`/sync` API the seed still routes: `/events` (a long-poll returning a flat event list)
 * and the global `/initialSync`. Both are views of the same computation as `/sync`.
 */
@Injectable()
export class LegacySyncService {
  constructor(
    private readonly sync: SyncService,
    private readonly store: EventStore,
    private readonly serializer: ClientEventSerializer,
  ) {}

  async events(
    requester: Requester,
    query: { from?: string; timeout?: string },
  ): Promise<{ start: string; end: string; chunk: Json[] }> {
    const from =
      query.from !== undefined ? await this.sync.parseToken(query.from) : this.sync.currentToken();
    const timeoutMs = parseQueryInteger(query.timeout, 'timeout', 0, MAX_SYNC_TIMEOUT_MS);
    const { result, next } = await this.sync.changesSince(requester, from, timeoutMs, {
      room: { timeline: { limit: DEFAULT_EVENTS_LIMIT } },
    });
    // The spec's chunk holds room events (ClientEvent) only: typing, receipts and presence,
    // which Synapse once mixed in, have no event id or room to satisfy it.
    const chunk: Json[] = [];
    const rooms = (result['rooms'] ?? {}) as Record<string, Section>;
    for (const section of ['join', 'leave'] as const) {
      for (const [roomId, room] of Object.entries(rooms[section] ?? {})) {
        for (const event of eventsOf(room.timeline)) chunk.push({ ...event, room_id: roomId });
      }
    }
    return {
      start: await this.sync.serializeToken(from),
      end: await this.sync.serializeToken(next),
      chunk,
    };
  }

  async initialSync(
    requester: Requester,
    query: { limit?: string; archived?: string },
  ): Promise<Json> {
    const limit = parseQueryInteger(query.limit, 'limit', DEFAULT_INITIAL_SYNC_LIMIT, MAX_LIMIT);
    const { result, next } = await this.sync.snapshot(requester, {
      room: { timeline: { limit: Math.max(limit, 1) }, include_leave: query.archived === 'true' },
    });
    const end = await this.sync.serializeToken(next);
    const rooms = (result['rooms'] ?? {}) as Record<string, Section>;
    const list: Json[] = [];
    for (const [section, membership] of [
      ['join', 'join'],
      ['leave', 'leave'],
    ] as const) {
      for (const [roomId, room] of Object.entries(rooms[section] ?? {})) {
        const timeline = eventsOf(room['timeline']).map((e) => ({ ...e, room_id: roomId }));
        list.push({
          room_id: roomId,
          membership,
          messages: {
            chunk: limit === 0 ? [] : timeline,
            start: (room['timeline'] as Json)['prev_batch'] ?? end,
            end,
          },
          state: stateAtEnd(eventsOf(room['state']), timeline).map((e) => ({
            ...e,
            room_id: roomId,
          })),
          account_data: eventsOf(room['account_data']),
        });
      }
    }
    for (const roomId of Object.keys(rooms['invite'] ?? {})) {
      const record = await this.store.getCurrentMembership(roomId, requester.userId);
      const stored = record
        ? (await this.store.getEvents([record.eventId])).get(record.eventId)
        : undefined;
      list.push({
        room_id: roomId,
        membership: 'invite',
        ...(stored ? { invite: await this.serializer.serialize(stored) } : {}),
      });
    }
    return {
      end,
      rooms: list,
      presence: eventsOf(result['presence']),
      account_data: eventsOf(result['account_data']),
    };
  }
}

function eventsOf(part: unknown): Json[] {
  const events = (part as { events?: Json[] } | undefined)?.events;
  return Array.isArray(events) ? events : [];
}

/** The state at the timeline's start with the timeline's own state events applied. */
function stateAtEnd(state: Json[], timeline: Json[]): Json[] {
  const byKey = new Map<string, Json>();
  for (const event of [...state, ...timeline]) {
    if (typeof event['state_key'] !== 'string') continue;
    byKey.set(JSON.stringify([event['type'], event['state_key']]), event);
  }
  return [...byKey.values()];
}
