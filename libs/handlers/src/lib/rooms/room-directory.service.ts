import { Inject, Injectable, Optional } from '@nestjs/common';

import type { Requester } from '@chat/platform';
import {
  canUserSend,
  getRoomVersion,
  MatrixError,
  parseStateMapKey,
  stateMapKey,
  type RoomVersion,
} from '@chat/protocol';
import { EventStore } from '@chat/storage';

import { EXTERNAL_CACHE, type ExternalCache } from '../common/external-cache';
import { parseHistoryVisibility } from './history-visibility';
import { RoomStateService } from './room-state.service';

const MAX_LIMIT = 500;
/**
 * Every published room, described and sorted, shared by the processes of worker mode: describing
 * a room reads its whole current state. Publishing and unpublishing drop it at once; names,
 * topics and member counts change without telling it, so it lives briefly.
 */
const PUBLISHED_ROOMS = { cache: 'public_rooms', key: 'all', ttlMs: 30_000 } as const;

export interface PublishedRoom {
  room_id: string;
  num_joined_members: number;
  world_readable: boolean;
  guest_can_join: boolean;
  name?: string;
  topic?: string;
  canonical_alias?: string;
  avatar_url?: string;
  join_rule?: string;
  room_type?: string;
}

export interface PublicRoomsQuery {
  limit?: number;
  since?: string;
  filter?: { generic_search_term?: string };
}

function text(content: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = content?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** The published room directory: visibility per room and the `publicRooms` listing. */
@Injectable()
export class RoomDirectoryService {
  constructor(
    private readonly events: EventStore,
    private readonly state: RoomStateService,
    @Optional()
    @Inject(EXTERNAL_CACHE)
    private readonly shared: ExternalCache | null,
  ) {}

  async getVisibility(roomId: string): Promise<{ visibility: 'public' | 'private' }> {
    const room = await this.state.requireRoom(roomId);
    return { visibility: room.isPublic ? 'public' : 'private' };
  }

  /** Publishing needs the power to set the room's canonical alias (as Synapse). */
  async setVisibility(requester: Requester, roomId: string, visibility: string): Promise<void> {
    if (visibility !== 'public' && visibility !== 'private') {
      throw MatrixError.badJson('visibility must be "public" or "private"');
    }
    const room = await this.state.requireRoom(roomId);
    const version = getRoomVersion(room.roomVersion) as RoomVersion;
    const authState = await this.state.authState(await this.state.currentStateIds(roomId), [
      'm.room.create',
      'm.room.power_levels',
    ]);
    const member = await this.state.membership(roomId, requester.userId);
    if (
      member !== 'join' ||
      !canUserSend(requester.userId, 'm.room.canonical_alias', true, authState, version)
    ) {
      throw MatrixError.forbidden('You may not change whether this room is published');
    }
    await this.setPublished(roomId, visibility === 'public');
  }

  /**
   * Every change of who is published goes through here, so that no process lists the old set.
   * A listing computed elsewhere while this ran may still be stored after the drop: it then
   * lives out its short time.
   */
  async setPublished(roomId: string, isPublic: boolean): Promise<void> {
    await this.events.setRoomPublic(roomId, isPublic);
    await this.shared?.delete(PUBLISHED_ROOMS.cache, PUBLISHED_ROOMS.key);
  }

  async publicRooms(query: PublicRoomsQuery): Promise<{
    chunk: PublishedRoom[];
    next_batch?: string;
    prev_batch?: string;
    total_room_count_estimate: number;
  }> {
    const limit = Math.min(query.limit ?? MAX_LIMIT, MAX_LIMIT);
    if (!Number.isInteger(limit) || limit < 1)
      throw MatrixError.invalidParam('limit must be positive');
    let offset = 0;
    if (query.since !== undefined) {
      const match = /^o(\d{1,9})$/.exec(query.since);
      if (!match) throw MatrixError.invalidParam('Invalid since token');
      offset = Number(match[1]);
    }
    const term = query.filter?.generic_search_term?.toLowerCase();
    const rooms = (await this.publishedRooms()).filter((room) =>
      !term
        ? true
        : [room.name, room.topic, room.canonical_alias, room.room_id].some((v) =>
            v?.toLowerCase().includes(term),
          ),
    );
    const chunk = rooms.slice(offset, offset + limit);
    const result: Awaited<ReturnType<RoomDirectoryService['publicRooms']>> = {
      chunk,
      total_room_count_estimate: rooms.length,
    };
    if (offset + limit < rooms.length) result.next_batch = `o${offset + limit}`;
    if (offset > 0) result.prev_batch = `o${Math.max(0, offset - limit)}`;
    return result;
  }

  /** Every published room, biggest first, from the shared cache when another process has it. */
  private async publishedRooms(): Promise<PublishedRoom[]> {
    const { cache, key, ttlMs } = PUBLISHED_ROOMS;
    const cached = await this.shared?.get<PublishedRoom[]>(cache, key);
    if (cached) return cached;
    const rooms = (
      await Promise.all((await this.events.getPublicRoomIds()).map((id) => this.describe(id)))
    )
      // Biggest rooms first, as directories are browsed; room id keeps the order stable.
      .sort(
        (a, b) => b.num_joined_members - a.num_joined_members || a.room_id.localeCompare(b.room_id),
      );
    await this.shared?.set(cache, key, rooms, ttlMs);
    return rooms;
  }

  private async describe(roomId: string): Promise<PublishedRoom> {
    const state = await this.state.currentState(roomId);
    const content = (type: string) => state.get(stateMapKey(type, ''))?.event.content;
    let joined = 0;
    for (const [key, stored] of state) {
      if (parseStateMapKey(key)[0] === 'm.room.member' && stored.event.membership === 'join')
        joined++;
    }
    const room: PublishedRoom = {
      room_id: roomId,
      num_joined_members: joined,
      world_readable:
        parseHistoryVisibility(content('m.room.history_visibility')) === 'world_readable',
      guest_can_join: text(content('m.room.guest_access'), 'guest_access') === 'can_join',
    };
    const fields: Array<[keyof PublishedRoom, string, string]> = [
      ['name', 'm.room.name', 'name'],
      ['topic', 'm.room.topic', 'topic'],
      ['canonical_alias', 'm.room.canonical_alias', 'alias'],
      ['avatar_url', 'm.room.avatar', 'url'],
      ['join_rule', 'm.room.join_rules', 'join_rule'],
      ['room_type', 'm.room.create', 'type'],
    ];
    for (const [field, type, key] of fields) {
      const value = text(content(type), key);
      if (value !== undefined) (room as unknown as Record<string, unknown>)[field] = value;
    }
    return room;
  }
}
