import { Inject, Injectable, Logger } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG, type Requester } from '@chat/platform';
import {
  CREATABLE_ROOM_VERSIONS,
  getRoomVersion,
  isObject,
  MatrixError,
  parsePowerLevel,
  parseRoomAlias,
  parseStateMapKey,
  parseUserId,
  powerLevelsContent,
  requiredPowerLevel,
  stateMapKey,
  userPowerLevel,
  type RoomEvent,
  type RoomVersion,
  type StateMap,
  POWER_LEVEL_DEFAULTS,
} from '@chat/protocol';
import { EventStore, RoomAliasStore, type StoredEvent } from '@chat/storage';

import { RoomCreationService, type CreateRoomRequest } from './room-creation.service';
import { RoomDirectoryService } from './room-directory.service';
import { RoomStateService } from './room-state.service';
import { RoomEventSender } from './room-event-sender';

type Content = Record<string, unknown>;

/** The state the new room inherits, as Synapse copies it (power levels are handled apart). */
const COPIED_STATE_TYPES: readonly string[] = [
  'm.room.join_rules',
  'm.room.name',
  'm.room.topic',
  'm.room.history_visibility',
  'm.room.guest_access',
  'm.room.avatar',
  'm.room.encryption',
  'm.room.server_acl',
];
const SPACE_CHILD = 'm.space.child';
const CREATE_KEY = stateMapKey('m.room.create', '');
const POWER_LEVELS = 'm.room.power_levels';
const CANONICAL_ALIAS = 'm.room.canonical_alias';

/**
 * Power levels with every level an integer as `version` reads it (v1–9 accept strings, which
 * v10+ reject) and every key explicit, so `createRoom`'s defaults underneath change nothing.
 * Unreadable entries are dropped: the old room treated them as absent too.
 */
export function normalizePowerLevels(content: Content, version: RoomVersion): Content {
  const out: Content = { ...content };
  for (const [key, fallback] of Object.entries(POWER_LEVEL_DEFAULTS)) {
    out[key] = parsePowerLevel(content[key], version) ?? fallback;
  }
  for (const key of ['users', 'events', 'notifications']) {
    const map = content[key];
    if (!isObject(map)) {
      if (key === 'notifications') delete out[key];
      else out[key] = {};
      continue;
    }
    out[key] = Object.fromEntries(
      Object.entries(map).flatMap(([name, value]) => {
        const level = parsePowerLevel(value, version);
        return level === undefined ? [] : [[name, level]];
      }),
    );
  }
  return out;
}

/**
 * The new room's power levels (from {@link normalizePowerLevels} content): `initial` for its
 * creation and `final` once the state is copied. As Synapse, a pre-v12 upgrader is raised for
 * the copy to the highest state, ban or event level, then set back; creators of a v12 room may
 * not be listed in `users`. A v12 creator has no entry to set back to, so keeps the raise.
 */
export function powerLevelsForNewRoom(
  levels: Content,
  upgrader: string,
  creators: readonly string[],
  oldVersion: RoomVersion,
  newVersion: RoomVersion,
): { initial: Content; final: Content } {
  const users = { ...(levels['users'] as Record<string, number>) };
  if (newVersion.creatorsInfinitePower) {
    for (const creator of [upgrader, ...creators]) delete users[creator];
    const levelsWithoutCreators = { ...levels, users };
    return { initial: levelsWithoutCreators, final: levelsWithoutCreators };
  }
  const needed = Math.max(
    levels['state_default'] as number,
    levels['ban'] as number,
    ...Object.values(levels['events'] as Record<string, number>),
  );
  if ((users[upgrader] ?? (levels['users_default'] as number)) >= needed) {
    return { initial: levels, final: levels };
  }
  const initial = { ...levels, users: { ...users, [upgrader]: needed } };
  return { initial, final: oldVersion.creatorsInfinitePower ? initial : levels };
}

/**
 * The old room's power levels with `invite` and `events_default` raised to moderator (or above
 * `users_default`), so regular users stop talking there; null when already that high.
 */
export function restrictedPowerLevels(content: Content, version: RoomVersion): Content | null {
  const restricted = Math.max((parsePowerLevel(content['users_default'], version) ?? 0) + 1, 50);
  const out: Content = { ...content };
  let changed = false;
  for (const key of ['invite', 'events_default']) {
    if ((parsePowerLevel(content[key], version) ?? 0) < restricted) {
      out[key] = restricted;
      changed = true;
    }
  }
  return changed ? out : null;
}

/**
 * Local aliases move from the old room's canonical alias content to the new room's (as Synapse);
 * null when there is none to move.
 */
export function splitCanonicalAlias(
  content: Content,
  isLocal: (alias: string) => boolean,
): { oldRoom: Content; newRoom: Content } | null {
  const oldRoom: Content = { ...content };
  const newRoom: Content = {};
  const alias = content['alias'];
  if (typeof alias === 'string' && isLocal(alias)) {
    newRoom['alias'] = alias;
    delete oldRoom['alias'];
  }
  const alt = Array.isArray(content['alt_aliases']) ? (content['alt_aliases'] as unknown[]) : [];
  const moved = alt.filter((a): a is string => typeof a === 'string' && isLocal(a));
  if (moved.length > 0) {
    newRoom['alt_aliases'] = moved;
    const kept = alt.filter((a) => !moved.includes(a as string));
    if (kept.length > 0) oldRoom['alt_aliases'] = kept;
    else delete oldRoom['alt_aliases'];
  }
  return Object.keys(newRoom).length > 0 ? { oldRoom, newRoom } : null;
}

/**
 * `POST /rooms/{roomId}/upgrade` (spec: client-server-api#room-upgrades), in Synapse's order:
 * create the new room with the old one's state, tombstone the old room, move the local aliases
 * and the directory entry, then restrict speaking in the old room. Once the tombstone is sent
 * the upgrade has happened, so the later steps only log their failures.
 */
@Injectable()
export class RoomUpgradeService {
  private readonly logger = new Logger(RoomUpgradeService.name);
  /** Upgrades under way per old room: a repeated request joins the running one (as Synapse). */
  private readonly running = new Map<string, { userId: string; result: Promise<string> }>();

  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly writer: RoomEventSender,
    private readonly events: EventStore,
    private readonly aliases: RoomAliasStore,
    private readonly state: RoomStateService,
    private readonly creation: RoomCreationService,
    private readonly directory: RoomDirectoryService,
  ) {}

  /** `additionalCreators` count only for versions with creator power (v12+), as in the spec. */
  async upgrade(
    requester: Requester,
    roomId: string,
    newVersion: string,
    additionalCreators: readonly string[] = [],
  ): Promise<{ replacement_room: string }> {
    const version = getRoomVersion(newVersion);
    if (!version || !CREATABLE_ROOM_VERSIONS.includes(newVersion)) {
      throw new MatrixError(
        400,
        'M_UNSUPPORTED_ROOM_VERSION',
        `Room version ${newVersion} is not supported`,
      );
    }
    const creators = version.creatorsInfinitePower ? [...new Set(additionalCreators)] : [];
    for (const creator of creators) {
      if (!parseUserId(creator)) throw MatrixError.invalidParam(`Invalid user id: ${creator}`);
    }
    const running = this.running.get(roomId);
    if (running && running.userId !== requester.userId) {
      throw MatrixError.unknown('An upgrade for this room is currently in progress');
    }
    let result = running?.result;
    if (!result) {
      result = this.run(requester, roomId, version, creators).finally(() =>
        this.running.delete(roomId),
      );
      this.running.set(roomId, { userId: requester.userId, result });
    }
    return { replacement_room: await result };
  }

  private async run(
    requester: Requester,
    roomId: string,
    version: RoomVersion,
    creators: readonly string[],
  ): Promise<string> {
    const userId = requester.userId;
    const room = await this.state.requireRoom(roomId);
    const oldVersion = getRoomVersion(room.roomVersion);
    if (!oldVersion) throw new Error(`room ${roomId} has unknown version ${room.roomVersion}`);
    const stateIds = await this.state.currentStateIds(roomId);
    const authState = await this.state.authState(stateIds, ['m.room.create', POWER_LEVELS]);
    await this.requireCanTombstone(userId, roomId, authState, oldVersion);

    const create = authState.get(CREATE_KEY) as RoomEvent;
    const isSpace = create.content['type'] === 'm.space';
    const banned = new Set(await this.events.getRoomMembers(roomId, 'ban'));
    for (const creator of creators) banned.delete(creator);
    const wanted = new Map(
      [...stateIds].filter(([key]) => {
        const [type, stateKey] = parseStateMapKey(key);
        return (
          COPIED_STATE_TYPES.includes(type) ||
          type === CANONICAL_ALIAS ||
          (type === SPACE_CHILD && isSpace) ||
          (type === 'm.room.member' && banned.has(stateKey))
        );
      }),
    );
    const oldState = await this.state.load(wanted);

    const initialState: NonNullable<CreateRoomRequest['initial_state']> = [];
    for (const [key, stored] of oldState) {
      const [type, stateKey] = parseStateMapKey(key);
      const { content } = stored.event;
      // A space child with empty content was removed from the space.
      if (type === CANONICAL_ALIAS || (type === SPACE_CHILD && Object.keys(content).length === 0)) {
        continue;
      }
      initialState.push({ type, state_key: stateKey, content });
    }
    const oldLevels = powerLevelsContent(authState);
    const levels =
      oldLevels &&
      powerLevelsForNewRoom(
        normalizePowerLevels(oldLevels, oldVersion),
        userId,
        creators,
        oldVersion,
        version,
      );

    const { room_id: newRoomId } = await this.creation.createRoom(requester, {
      room_version: version.id,
      // Overridden by the copied state; only fills what the old room lacked (as Synapse).
      preset: 'private_chat',
      creation_content: await this.creationContent(roomId, create, version, creators),
      initial_state: initialState,
      power_level_content_override: levels?.initial,
    });

    await this.writer.send(roomId, [
      {
        type: 'm.room.tombstone',
        stateKey: '',
        sender: userId,
        content: { body: 'This room has been replaced', replacement_room: newRoomId },
      },
    ]);

    await this.moveAliases(
      userId,
      roomId,
      newRoomId,
      oldState.get(stateMapKey(CANONICAL_ALIAS, '')),
    );
    if (room.isPublic) {
      await this.directory.setPublished(newRoomId, true);
      await this.directory.setPublished(roomId, false);
    }
    const restricted = oldLevels && restrictedPowerLevels(oldLevels, oldVersion);
    if (restricted) await this.sendState(userId, roomId, POWER_LEVELS, restricted);
    if (levels && levels.final !== levels.initial) {
      await this.sendState(userId, newRoomId, POWER_LEVELS, levels.final);
    }
    return newRoomId;
  }

  /** Joined, with the level for `m.room.tombstone` in the old room; 403 otherwise. */
  private async requireCanTombstone(
    userId: string,
    roomId: string,
    authState: StateMap<RoomEvent>,
    version: RoomVersion,
  ): Promise<void> {
    if ((await this.state.membership(roomId, userId)) !== 'join') {
      throw MatrixError.forbidden(`User ${userId} not in room ${roomId}`);
    }
    const needed = requiredPowerLevel(
      'm.room.tombstone',
      true,
      powerLevelsContent(authState),
      version,
    );
    if (userPowerLevel(userId, authState, version) < needed) {
      throw MatrixError.forbidden('You cannot upgrade this room');
    }
  }

  /**
   * `predecessor` names the old room and, though deprecated since v1.16, its last known event
   * (the spec asks for it where practical); `m.federate: false` and the room type carry over.
   */
  private async creationContent(
    roomId: string,
    create: RoomEvent,
    version: RoomVersion,
    creators: readonly string[],
  ): Promise<Content> {
    const predecessor: Content = { room_id: roomId };
    const tips = await this.events.getEvents(await this.events.getForwardExtremities(roomId));
    const last = [...tips.values()].sort((a, b) => b.streamOrdering - a.streamOrdering)[0];
    if (last) predecessor['event_id'] = last.event.eventId;
    const content: Content = { predecessor };
    if (create.content['m.federate'] === false) content['m.federate'] = false;
    if (create.content['type'] !== undefined) content['type'] = create.content['type'];
    if (version.creatorsInfinitePower && creators.length > 0) {
      content['additional_creators'] = creators;
    }
    return content;
  }

  /** Every local alias points at the new room, which takes over the local canonical aliases. */
  private async moveAliases(
    userId: string,
    oldRoomId: string,
    newRoomId: string,
    canonical: StoredEvent | undefined,
  ): Promise<void> {
    for (const alias of await this.aliases.getAliasesForRoom(oldRoomId)) {
      const record = await this.aliases.getAlias(alias);
      if (!record || !(await this.aliases.deleteAlias(alias))) continue;
      await this.aliases.createAlias(alias, newRoomId, record.creator);
    }
    if (!canonical) return;
    const split = splitCanonicalAlias(
      canonical.event.content,
      (alias) => parseRoomAlias(alias)?.serverName === this.config.serverName,
    );
    if (!split) return;
    await this.sendState(userId, oldRoomId, CANONICAL_ALIAS, split.oldRoom);
    await this.sendState(userId, newRoomId, CANONICAL_ALIAS, split.newRoom);
  }

  /** Refused follow-up events are logged, not returned: the room is already upgraded. */
  private async sendState(
    userId: string,
    roomId: string,
    type: string,
    content: Content,
  ): Promise<void> {
    try {
      await this.writer.send(roomId, [{ type, stateKey: '', sender: userId, content }]);
    } catch (err) {
      if (!(err instanceof MatrixError)) throw err;
      this.logger.warn(`Room upgrade: could not send ${type} in ${roomId}: ${err.message}`);
    }
  }
}
