import type { RoomEvent } from '../events/room-event';
import { isObject } from '../events/redaction';
import type { RoomVersion } from '../events/room-versions';
import { stateMapKey, type StateMap } from '../events/state-map';

/** v12 creators outrank every legal integer level, so `creator < creator` stays false. */
export const CREATOR_POWER_LEVEL = Number.POSITIVE_INFINITY;

const CREATE_KEY = stateMapKey('m.room.create', '');
const POWER_LEVELS_KEY = stateMapKey('m.room.power_levels', '');

export type NamedLevel = 'invite' | 'kick' | 'ban' | 'redact';
/** The spec's values for absent power-level keys (protocol.md §3.1). */
export const POWER_LEVEL_DEFAULTS = {
  users_default: 0,
  events_default: 0,
  state_default: 50,
  ban: 50,
  kick: 50,
  redact: 50,
  invite: 0,
} as const;

/** The top-level keys holding a single level, which the power-levels rule guards. */
export const LEVEL_KEYS = [
  'users_default',
  'events_default',
  'state_default',
  'ban',
  'redact',
  'kick',
  'invite',
] as const;

/**
 * A power-level value as the room version reads it (protocol.md §3.1): JSON integers always;
 * integer strings (`" +0100 "`) in v1–v9; floats truncated toward zero in v1–v5. Undefined when
 * the value is not a level in this version.
 */
export function parsePowerLevel(value: unknown, version: RoomVersion): number | undefined {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value;
    return version.floatPowerLevels && Number.isFinite(value) ? Math.trunc(value) : undefined;
  }
  if (typeof value === 'string' && !version.integerPowerLevels && /^\s*[+-]?\d+\s*$/.test(value)) {
    return Number.parseInt(value.trim(), 10);
  }
  return undefined;
}

function levelOr(value: unknown, version: RoomVersion, fallback: number): number {
  return parsePowerLevel(value, version) ?? fallback;
}

/** The room's creators: `content.creator` (v1–v10), the sender (v11), plus additional ones (v12). */
export function creatorsOf(create: RoomEvent): Set<string> {
  const { version } = create;
  if (!version.implicitCreator) {
    const creator = create.content['creator'];
    return new Set(typeof creator === 'string' ? [creator] : []);
  }
  const creators = new Set([create.sender]);
  const extra = create.content['additional_creators'];
  if (version.creatorsInfinitePower && Array.isArray(extra)) {
    for (const user of extra) if (typeof user === 'string') creators.add(user);
  }
  return creators;
}

/** A user's level in `state` (needs its create and power-levels entries). */
export function userPowerLevel(
  userId: string,
  state: StateMap<RoomEvent>,
  version: RoomVersion,
): number {
  const create = state.get(CREATE_KEY);
  const creator = create ? creatorsOf(create).has(userId) : false;
  if (version.creatorsInfinitePower && creator) return CREATOR_POWER_LEVEL;
  const powerLevels = state.get(POWER_LEVELS_KEY);
  if (!powerLevels) return creator ? 100 : 0;
  return userLevelIn(powerLevels.content, userId, version);
}

/** `users[user]`, else `users_default`, else 0. */
export function userLevelIn(
  content: Record<string, unknown>,
  userId: string,
  version: RoomVersion,
): number {
  const usersDefault = levelOr(
    content['users_default'],
    version,
    POWER_LEVEL_DEFAULTS.users_default,
  );
  const users = content['users'];
  if (isObject(users) && Object.hasOwn(users, userId)) {
    return levelOr(users[userId], version, usersDefault);
  }
  return usersDefault;
}

/** The level an event of `type` needs: `events[type]`, else `state_default` (50) or `events_default` (0). */
export function requiredPowerLevel(
  type: string,
  isState: boolean,
  content: Record<string, unknown> | undefined,
  version: RoomVersion,
): number {
  const events = content?.['events'];
  if (isObject(events) && Object.hasOwn(events, type)) {
    const level = parsePowerLevel(events[type], version);
    if (level !== undefined) return level;
  }
  return isState
    ? levelOr(content?.['state_default'], version, POWER_LEVEL_DEFAULTS.state_default)
    : levelOr(content?.['events_default'], version, POWER_LEVEL_DEFAULTS.events_default);
}

/** The invite, kick, ban or redact level (defaults 0, 50, 50, 50). */
export function namedPowerLevel(
  name: NamedLevel,
  content: Record<string, unknown> | undefined,
  version: RoomVersion,
): number {
  return levelOr(content?.[name], version, POWER_LEVEL_DEFAULTS[name]);
}

export function powerLevelsContent(
  state: StateMap<RoomEvent>,
): Record<string, unknown> | undefined {
  return state.get(POWER_LEVELS_KEY)?.content;
}

/** The redact level in `state`. */
export function redactionPowerLevel(state: StateMap<RoomEvent>, version: RoomVersion): number {
  return namedPowerLevel('redact', powerLevelsContent(state), version);
}

/** Whether `userId` holds the level `state` requires to send `type` (membership aside). */
export function canUserSend(
  userId: string,
  type: string,
  isState: boolean,
  state: StateMap<RoomEvent>,
  version: RoomVersion,
): boolean {
  const required = requiredPowerLevel(type, isState, powerLevelsContent(state), version);
  return userPowerLevel(userId, state, version) >= required;
}

/**
 * The power levels `createRoom` starts from before presets and overrides (protocol.md §3.7,
 * Synapse's defaults). v12 creators are implicit and may not be listed, and the spec wants the
 * tombstone above `state_default` there so that only creators can upgrade by default.
 */
export function defaultPowerLevelsContent(
  creator: string,
  version: RoomVersion,
): Record<string, unknown> {
  return {
    users: version.creatorsInfinitePower ? {} : { [creator]: 100 },
    users_default: 0,
    events: {
      'm.room.name': 50,
      'm.room.power_levels': 100,
      'm.room.history_visibility': 100,
      'm.room.canonical_alias': 50,
      'm.room.avatar': 50,
      'm.room.tombstone': version.creatorsInfinitePower ? 150 : 100,
      'm.room.server_acl': 100,
      'm.room.encryption': 100,
    },
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: 50,
  };
}
