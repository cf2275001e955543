import { createEventIdFromRoomId, roomIdFromCreateEventId } from '../events/event-hashing';
import { isObject } from '../events/redaction';
import type { RoomEvent } from '../events/room-event';
import { getRoomVersion, type RoomVersion } from '../events/room-versions';
import { stateMapKey, type StateMap } from '../events/state-map';
import { parseUserId } from '../identifiers';
import { verifyJsonSignature } from '../signing';
import { AuthError } from './auth-error';
import { authEventKeys } from './auth-events-selection';
import {
  creatorsOf,
  namedPowerLevel,
  parsePowerLevel,
  powerLevelsContent,
  requiredPowerLevel,
  userPowerLevel,
} from './power-levels';

const CREATE_KEY = stateMapKey('m.room.create', '');
const NAMED_LEVEL_KEYS = [
  'users_default',
  'events_default',
  'state_default',
  'ban',
  'redact',
  'kick',
  'invite',
] as const;

function reject(rule: string, message: string): never {
  throw new AuthError(rule, message);
}

/** The server part of a user id (or a v1/v2 event id); undefined when malformed. */
function domainOf(id: string): string | undefined {
  const at = id.indexOf(':');
  return at < 0 ? undefined : id.slice(at + 1);
}

/**
 * Rule 2: the event's `auth_events` are exactly what the selection allows, once each, from this
 * room, none rejected, and (before v12) include the create event; v12 never lists the create.
 */
export function checkAuthEventsStructure(event: RoomEvent, authEvents: readonly RoomEvent[]): void {
  if (event.type === 'm.room.create') return;
  const { version } = event;
  const allowed = new Set(authEventKeys(event, version).map(([t, k]) => stateMapKey(t, k)));
  const seen = new Set<string>();
  let hasCreate = false;
  for (const auth of authEvents) {
    const key = stateMapKey(auth.type, auth.stateKey ?? '');
    if (seen.has(key)) reject('auth_events.duplicate', `two auth events for ${auth.type}`);
    seen.add(key);
    if (auth.type === 'm.room.create') {
      if (version.createNotInAuthEvents) {
        reject('auth_events.create_present', 'the create event may not be an auth event');
      }
      hasCreate = true;
    }
    if (!allowed.has(key)) reject('auth_events.unexpected', `unexpected auth event ${auth.type}`);
    if (auth.rejectedReason !== null) reject('auth_events.rejected', 'an auth event was rejected');
    if (auth.roomId !== event.roomId)
      reject('auth_events.wrong_room', 'an auth event is from another room');
  }
  if (!version.createNotInAuthEvents && !hasCreate) {
    reject('auth_events.no_create', 'no create event among the auth events');
  }
}

/**
 * The state-dependent authorization rules of protocol.md §3.2–3.3 for every room version, one
 * implementation driven by version flags. `authState` holds the entries the rules read (create,
 * power levels, join rules, memberships, third-party invites) — built from the event's
 * auth events, the state before it, or the current state, depending on which check runs. In v12
 * it must contain the create event (the implicit auth event). Throws {@link AuthError}.
 */
export function checkAuthRules(event: RoomEvent, authState: StateMap<RoomEvent>): void {
  const { version } = event;
  if (event.type === 'm.room.create') return checkCreate(event, version);

  const create = authState.get(CREATE_KEY);
  if (!create) reject('auth_events.no_create', 'the room has no create event');
  if (version.roomIdIsCreateHash) {
    if (
      create.rejectedReason !== null ||
      roomIdFromCreateEventId(create.eventId) !== event.roomId
    ) {
      reject('room_id.not_create_event', 'the room id does not name an accepted create event');
    }
  }
  if (
    create.content['m.federate'] === false &&
    domainOf(event.sender) !== domainOf(create.sender)
  ) {
    reject('create.m_federate', 'this room does not federate');
  }
  if (version.specialCaseAliasesAuth && event.type === 'm.room.aliases') {
    if (event.stateKey === undefined)
      reject('aliases.no_state_key', 'aliases event without state key');
    if (event.stateKey !== domainOf(event.sender)) {
      reject('aliases.state_key_domain', "aliases state key must be the sender's server");
    }
    return;
  }
  if (event.type === 'm.room.member') return checkMembership(event, authState, create);

  const senderLevel = userPowerLevel(event.sender, authState, version);
  if (membershipOf(authState, event.sender) !== 'join') {
    reject('event.sender_not_joined', `${event.sender} is not in the room`);
  }
  const powerLevels = powerLevelsContent(authState);
  if (event.type === 'm.room.third_party_invite') {
    if (senderLevel >= namedPowerLevel('invite', powerLevels, version)) return;
    reject('third_party_invite.insufficient_power', 'insufficient power to invite');
  }
  const required = requiredPowerLevel(event.type, event.isState(), powerLevels, version);
  if (required > senderLevel) {
    reject('event.insufficient_power', `sending ${event.type} needs power level ${required}`);
  }
  if (event.stateKey?.startsWith('@') && event.stateKey !== event.sender) {
    reject('event.state_key_impersonation', 'a state key starting with @ must be the sender');
  }
  if (event.type === 'm.room.power_levels') {
    checkPowerLevels(event, authState, create, senderLevel);
  }
  if (version.redactionAuthRule && event.type === 'm.room.redaction') {
    if (senderLevel >= namedPowerLevel('redact', powerLevels, version)) return;
    const redacts = event.redacts;
    if (redacts !== undefined && domainOf(event.eventId) === domainOf(redacts)) return;
    reject('redaction.insufficient_power', 'insufficient power to redact');
  }
}

/** Structure check plus rules against the state the event's own auth events form. */
export function checkEventAuth(
  event: RoomEvent,
  authEvents: readonly RoomEvent[],
  implicitCreate?: RoomEvent,
): void {
  checkAuthEventsStructure(event, authEvents);
  const state = new Map(authEvents.map((e) => [stateMapKey(e.type, e.stateKey ?? ''), e]));
  if (implicitCreate && event.version.createNotInAuthEvents) {
    if (implicitCreate.eventId !== createEventIdFromRoomId(event.roomId)) {
      reject('room_id.not_create_event', 'the room id does not name this create event');
    }
    state.set(CREATE_KEY, implicitCreate);
  }
  checkAuthRules(event, state);
}

function checkCreate(event: RoomEvent, version: RoomVersion): void {
  if (event.prevEventIds.length > 0)
    reject('create.has_prev_events', 'create event with prev_events');
  if (version.roomIdIsCreateHash) {
    if (event.pdu.room_id !== undefined)
      reject('create.has_room_id', 'create event with a room_id');
  } else if (domainOf(event.roomId) !== domainOf(event.sender)) {
    reject('create.room_id_domain', "the room id's server differs from the sender's");
  }
  const roomVersion = event.content['room_version'];
  if (
    roomVersion !== undefined &&
    (typeof roomVersion !== 'string' || !getRoomVersion(roomVersion))
  ) {
    reject('create.unknown_room_version', 'unknown room version');
  }
  if (!version.implicitCreator && event.content['creator'] === undefined) {
    reject('create.no_creator', 'create event without a creator');
  }
  const extra = event.content['additional_creators'];
  if (version.creatorsInfinitePower && extra !== undefined) {
    if (!Array.isArray(extra) || !extra.every((u) => typeof u === 'string' && parseUserId(u))) {
      reject('create.additional_creators', 'additional_creators must be a list of user ids');
    }
  }
}

function membershipOf(state: StateMap<RoomEvent>, userId: string): string | undefined {
  return state.get(stateMapKey('m.room.member', userId))?.membership;
}

function checkMembership(event: RoomEvent, state: StateMap<RoomEvent>, create: RoomEvent): void {
  const { version } = event;
  const target = event.stateKey;
  const membership = event.content['membership'];
  if (target === undefined || typeof membership !== 'string') {
    reject('member.malformed', 'membership event without state key or membership');
  }
  const authoriser = event.content['join_authorised_via_users_server'];
  if (version.restricted && authoriser !== undefined) {
    const server = typeof authoriser === 'string' ? domainOf(authoriser) : undefined;
    if (server === undefined || !isObject(event.pdu.signatures?.[server])) {
      reject('member.authoriser_signature', "the authorising user's server did not sign the event");
    }
  }
  const senderMembership = membershipOf(state, event.sender);
  const targetMembership = membershipOf(state, target);
  const powerLevels = powerLevelsContent(state);
  const senderLevel = userPowerLevel(event.sender, state, version);
  const targetLevel = userPowerLevel(target, state, version);
  const joinRule =
    state.get(stateMapKey('m.room.join_rules', ''))?.content['join_rule'] ?? 'invite';

  switch (membership) {
    case 'join': {
      const prev = event.prevEventIds;
      if (prev.length === 1 && prev[0] === create.eventId) {
        const creator = version.implicitCreator ? create.sender : create.content['creator'];
        if (target === creator) return;
      }
      if (event.sender !== target)
        reject('member.join.not_self', 'cannot join on behalf of another user');
      if (senderMembership === 'ban')
        reject('member.join.banned', `${target} is banned from the room`);
      if (joinRule === 'invite' || (version.knock && joinRule === 'knock')) {
        if (senderMembership === 'invite' || senderMembership === 'join') return;
        reject('member.join.not_invited', `${target} is not invited to the room`);
      }
      const restricted =
        version.restricted &&
        (joinRule === 'restricted' || (version.knockRestricted && joinRule === 'knock_restricted'));
      if (restricted) {
        if (senderMembership === 'invite' || senderMembership === 'join') return;
        if (typeof authoriser !== 'string') {
          reject('member.join.restricted', 'a restricted join needs an authorising user');
        }
        if (membershipOf(state, authoriser) !== 'join') {
          reject('member.join.authoriser_not_joined', 'the authorising user is not in the room');
        }
        const inviteLevel = namedPowerLevel('invite', powerLevels, version);
        if (userPowerLevel(authoriser, state, version) < inviteLevel) {
          reject('member.join.authoriser_cannot_invite', 'the authorising user cannot invite');
        }
        return;
      }
      if (joinRule === 'public') return;
      reject('member.join.not_allowed', 'the join rules do not allow joining');
    }
    // falls through: unreachable, every branch above returns or throws
    case 'invite': {
      const thirdParty = event.content['third_party_invite'];
      if (thirdParty !== undefined)
        return checkThirdPartyInvite(event, state, thirdParty, targetMembership);
      if (senderMembership !== 'join')
        reject('member.invite.sender_not_joined', 'the inviter is not in the room');
      if (targetMembership === 'join' || targetMembership === 'ban') {
        reject('member.invite.target_joined_or_banned', `${target} is already joined or banned`);
      }
      if (senderLevel >= namedPowerLevel('invite', powerLevels, version)) return;
      reject('member.invite.insufficient_power', 'insufficient power to invite');
    }
    // falls through: unreachable
    case 'leave': {
      if (event.sender === target) {
        const canLeave =
          senderMembership === 'invite' ||
          senderMembership === 'join' ||
          (version.knock && senderMembership === 'knock');
        if (canLeave) return;
        reject(
          'member.leave.not_member',
          `${target} cannot leave from ${senderMembership ?? 'no membership'}`,
        );
      }
      if (senderMembership !== 'join')
        reject('member.leave.sender_not_joined', 'the sender is not in the room');
      if (
        targetMembership === 'ban' &&
        senderLevel < namedPowerLevel('ban', powerLevels, version)
      ) {
        reject('member.leave.unban_insufficient_power', 'insufficient power to unban');
      }
      if (senderLevel >= namedPowerLevel('kick', powerLevels, version) && targetLevel < senderLevel)
        return;
      reject('member.leave.insufficient_power', 'insufficient power to kick');
    }
    // falls through: unreachable
    case 'ban': {
      if (senderMembership !== 'join')
        reject('member.ban.sender_not_joined', 'the sender is not in the room');
      if (senderLevel >= namedPowerLevel('ban', powerLevels, version) && targetLevel < senderLevel)
        return;
      reject('member.ban.insufficient_power', 'insufficient power to ban');
    }
    // falls through: unreachable
    case 'knock': {
      if (!version.knock) break;
      const knockable =
        joinRule === 'knock' || (version.knockRestricted && joinRule === 'knock_restricted');
      if (!knockable) reject('member.knock.join_rule', 'the join rules do not allow knocking');
      if (event.sender !== target)
        reject('member.knock.not_self', 'cannot knock on behalf of another user');
      if (
        senderMembership !== 'ban' &&
        senderMembership !== 'invite' &&
        senderMembership !== 'join'
      )
        return;
      reject('member.knock.already_member', `${target} is already invited, joined or banned`);
    }
  }
  reject('member.unknown_membership', `unknown membership ${String(membership)}`);
}

function checkThirdPartyInvite(
  event: RoomEvent,
  state: StateMap<RoomEvent>,
  thirdParty: unknown,
  targetMembership: string | undefined,
): void {
  if (targetMembership === 'ban') reject('member.invite.target_banned', 'the invitee is banned');
  const signed = isObject(thirdParty) ? thirdParty['signed'] : undefined;
  if (!isObject(signed))
    reject('member.third_party_invite.no_signed', 'third_party_invite without signed');
  const { mxid, token } = signed;
  if (typeof mxid !== 'string' || typeof token !== 'string') {
    reject('member.third_party_invite.malformed', 'signed needs mxid and token');
  }
  if (mxid !== event.stateKey)
    reject('member.third_party_invite.mxid_mismatch', 'mxid is not the invitee');
  const invite = state.get(stateMapKey('m.room.third_party_invite', token));
  if (!invite) reject('member.third_party_invite.missing', 'no matching third-party invite');
  if (invite.sender !== event.sender) {
    reject(
      'member.third_party_invite.sender_mismatch',
      'the third-party invite was sent by someone else',
    );
  }
  const keys: string[] = [];
  if (typeof invite.content['public_key'] === 'string') keys.push(invite.content['public_key']);
  const more = invite.content['public_keys'];
  if (Array.isArray(more)) {
    for (const entry of more) {
      if (isObject(entry) && typeof entry['public_key'] === 'string')
        keys.push(entry['public_key']);
    }
  }
  const signatures = isObject(signed['signatures']) ? signed['signatures'] : {};
  for (const [entity, byKey] of Object.entries(signatures)) {
    if (!isObject(byKey)) continue;
    for (const keyId of Object.keys(byKey)) {
      if (keys.some((key) => verifyJsonSignature(signed, entity, keyId, key))) return;
    }
  }
  reject('member.third_party_invite.bad_signature', 'no valid signature on the third-party invite');
}

/** Rule 10: who may change which power levels. */
function checkPowerLevels(
  event: RoomEvent,
  state: StateMap<RoomEvent>,
  create: RoomEvent,
  senderLevel: number,
): void {
  const { version } = event;
  const content = event.content;
  if (version.integerPowerLevels) {
    for (const key of NAMED_LEVEL_KEYS) {
      if (content[key] !== undefined && !Number.isInteger(content[key])) {
        reject('power_levels.not_integer', `${key} must be an integer`);
      }
    }
    for (const key of ['events', 'notifications']) {
      const map = content[key];
      if (
        map !== undefined &&
        (!isObject(map) || !Object.values(map).every((v) => Number.isInteger(v)))
      ) {
        reject('power_levels.not_integer', `${key} must map to integers`);
      }
    }
  }
  const users = content['users'];
  if (users !== undefined) {
    if (!isObject(users)) reject('power_levels.invalid_users', 'users must be an object');
    for (const [userId, level] of Object.entries(users)) {
      if (!parseUserId(userId) || parsePowerLevel(level, version) === undefined) {
        reject('power_levels.invalid_users', `invalid users entry ${userId}`);
      }
    }
    if (version.creatorsInfinitePower) {
      for (const creator of creatorsOf(create)) {
        if (Object.hasOwn(users, creator))
          reject('power_levels.creator_in_users', 'creators may not be listed in users');
      }
    }
  }
  const previous = state.get(stateMapKey('m.room.power_levels', ''));
  if (!previous) return;
  const old = previous.content;
  const parse = (value: unknown) => parsePowerLevel(value, version);
  const checkChange = (rule: string, before: unknown, after: unknown) => {
    const [b, a] = [parse(before), parse(after)];
    if (b === a && (before === undefined) === (after === undefined)) return;
    if (before !== undefined && b !== undefined && b > senderLevel) {
      reject(rule, 'cannot change a level above your own');
    }
    if (after !== undefined && a !== undefined && a > senderLevel) {
      reject(rule, 'cannot set a level above your own');
    }
  };
  for (const key of NAMED_LEVEL_KEYS) checkChange(`power_levels.${key}`, old[key], content[key]);
  const maps = version.notificationsInPowerLevels ? ['events', 'notifications'] : ['events'];
  for (const mapKey of maps) {
    const before = isObject(old[mapKey]) ? old[mapKey] : {};
    const after = isObject(content[mapKey]) ? content[mapKey] : {};
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      checkChange(`power_levels.${mapKey}`, before[key], after[key]);
    }
  }
  const beforeUsers = isObject(old['users']) ? old['users'] : {};
  const afterUsers = isObject(users) ? users : {};
  for (const userId of new Set([...Object.keys(beforeUsers), ...Object.keys(afterUsers)])) {
    const [b, a] = [parse(beforeUsers[userId]), parse(afterUsers[userId])];
    if (b === a && Object.hasOwn(beforeUsers, userId) === Object.hasOwn(afterUsers, userId))
      continue;
    if (userId !== event.sender && b !== undefined && b >= senderLevel) {
      reject('power_levels.users_old_value', `cannot change the level of ${userId}`);
    }
    if (a !== undefined && a > senderLevel) {
      reject('power_levels.users_new_value', 'cannot give a level above your own');
    }
  }
}
