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
  LEVEL_KEYS,
  namedPowerLevel,
  parsePowerLevel,
  powerLevelsContent,
  requiredPowerLevel,
  userPowerLevel,
} from './power-levels';

const CREATE_KEY = stateMapKey('m.room.create', '');

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
 * room, none rejected, and (before v12) include the create event. v12 never lists the create on
 * the wire; `authEvents` may still hold the implicit one (the events of `authEventIdsWithCreate`),
 * which the room-id rule of {@link checkAuthRules} vouches for instead.
 */
export function checkAuthEventsStructure(event: RoomEvent, authEvents: readonly RoomEvent[]): void {
  if (event.type === 'm.room.create') return;
  const { version } = event;
  const allowed = new Set(authEventKeys(event, version).map(([t, k]) => stateMapKey(t, k)));
  const onWire = new Set(event.authEventIds);
  const seen = new Set<string>();
  let hasCreate = false;
  for (const auth of authEvents) {
    const key = stateMapKey(auth.type, auth.stateKey ?? '');
    if (seen.has(key)) reject('auth_events.duplicate', `two auth events for ${auth.type}`);
    seen.add(key);
    if (auth.type === 'm.room.create') {
      hasCreate = true;
      if (version.createNotInAuthEvents) {
        if (onWire.has(auth.eventId)) {
          reject('auth_events.create_present', 'the create event may not be an auth event');
        }
        if (auth.eventId === createEventIdFromRoomId(event.roomId)) continue;
      }
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
  if (version.roomIdIsCreateHash) {
    if (
      !create ||
      create.rejectedReason !== null ||
      roomIdFromCreateEventId(create.eventId) !== event.roomId
    ) {
      reject('room_id.not_create_event', 'the room id does not name an accepted create event');
    }
  } else if (!create) {
    reject('auth_events.no_create', 'the room has no create event');
  }
  if (!federates(create, event.sender)) {
    reject('event.not_federated', 'this room does not federate with the sender’s server');
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

/**
 * Structure check plus rules against the state the event's own auth events form (check 4 of
 * protocol.md §3.5). Pass the events of `authEventIdsWithCreate`: in v12 the rules need the
 * implicit create, and without it the event is rejected.
 */
export function checkEventAuth(event: RoomEvent, authEvents: readonly RoomEvent[]): void {
  checkAuthEventsStructure(event, authEvents);
  checkAuthRules(event, new Map(authEvents.map((e) => [stateMapKey(e.type, e.stateKey ?? ''), e])));
}

/**
 * `m.federate` as Synapse reads it: anything but absent or `true` keeps the room to the
 * creator's server (the spec only names `false`; protocol.md §3.6 says follow Synapse).
 */
function federates(create: RoomEvent, userId: string): boolean {
  const flag = create.content['m.federate'];
  return flag === undefined || flag === true || domainOf(userId) === domainOf(create.sender);
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

/** What the membership sub-rules read, gathered once. */
interface MembershipCheck {
  event: RoomEvent;
  version: RoomVersion;
  state: StateMap<RoomEvent>;
  target: string;
  senderMembership: string | undefined;
  targetMembership: string | undefined;
  senderLevel: number;
  targetLevel: number;
  levelOf(name: 'invite' | 'kick' | 'ban'): number;
  joinRule: unknown;
}

/** Rule 5 (4 from v6): `m.room.member`. */
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
    const signatures = server === undefined ? undefined : event.pdu.signatures?.[server];
    if (!isObject(signatures) || Object.keys(signatures).length === 0) {
      reject('member.authoriser_signature', "the authorising user's server did not sign the event");
    }
  }
  if (membership === 'join' && isCreatorJoin(event, create)) return;
  // Synapse also keeps other servers' users out as targets of a non-federating room.
  if (!federates(create, target)) {
    reject('member.target_not_federated', 'this room does not federate with the target’s server');
  }
  const powerLevels = powerLevelsContent(state);
  const check: MembershipCheck = {
    event,
    version,
    state,
    target,
    senderMembership: membershipOf(state, event.sender),
    targetMembership: membershipOf(state, target),
    senderLevel: userPowerLevel(event.sender, state, version),
    targetLevel: userPowerLevel(target, state, version),
    levelOf: (name) => namedPowerLevel(name, powerLevels, version),
    joinRule: state.get(stateMapKey('m.room.join_rules', ''))?.content['join_rule'] ?? 'invite',
  };
  switch (membership) {
    case 'join':
      return checkJoin(check);
    case 'invite':
      return checkInvite(check);
    case 'leave':
      return checkLeave(check);
    case 'ban':
      return checkBan(check);
    case 'knock':
      if (version.knock) return checkKnock(check);
  }
  reject('member.unknown_membership', `unknown membership ${membership}`);
}

/**
 * The creator's own join straight after the create: exactly one prev event, the create (not a
 * depth test, protocol.md §3.6), and the creator as target.
 */
function isCreatorJoin(event: RoomEvent, create: RoomEvent): boolean {
  const prev = event.prevEventIds;
  if (prev.length !== 1 || prev[0] !== create.eventId) return false;
  const creator = event.version.implicitCreator ? create.sender : create.content['creator'];
  return event.stateKey === creator;
}

function checkJoin(c: MembershipCheck): void {
  const { event, version, senderMembership, joinRule } = c;
  if (event.sender !== c.target) {
    reject('member.join.not_self', 'cannot join on behalf of another user');
  }
  if (senderMembership === 'ban') reject('member.join.banned', `${c.target} is banned`);
  const invitedOrJoined = senderMembership === 'invite' || senderMembership === 'join';
  if (joinRule === 'invite' || (version.knock && joinRule === 'knock')) {
    if (invitedOrJoined) return;
    reject('member.join.not_invited', `${c.target} is not invited to the room`);
  }
  const restricted =
    version.restricted &&
    (joinRule === 'restricted' || (version.knockRestricted && joinRule === 'knock_restricted'));
  if (restricted) {
    if (invitedOrJoined) return;
    const authoriser = event.content['join_authorised_via_users_server'];
    if (typeof authoriser !== 'string') {
      reject('member.join.restricted', 'a restricted join needs an authorising user');
    }
    if (membershipOf(c.state, authoriser) !== 'join') {
      reject('member.join.authoriser_not_joined', 'the authorising user is not in the room');
    }
    if (userPowerLevel(authoriser, c.state, version) < c.levelOf('invite')) {
      reject('member.join.authoriser_cannot_invite', 'the authorising user cannot invite');
    }
    return;
  }
  if (joinRule === 'public') return;
  reject('member.join.not_allowed', 'the join rules do not allow joining');
}

function checkInvite(c: MembershipCheck): void {
  const thirdParty = c.event.content['third_party_invite'];
  if (thirdParty !== undefined) return checkThirdPartyInvite(c, thirdParty);
  if (c.senderMembership !== 'join') {
    reject('member.invite.sender_not_joined', 'the inviter is not in the room');
  }
  if (c.targetMembership === 'join') {
    reject('member.invite.target_joined', `${c.target} is already in the room`);
  }
  if (c.targetMembership === 'ban') {
    reject('member.invite.target_banned', `${c.target} is banned`);
  }
  if (c.senderLevel < c.levelOf('invite')) {
    reject('member.invite.insufficient_power', 'insufficient power to invite');
  }
}

function checkLeave(c: MembershipCheck): void {
  const { event, senderMembership } = c;
  // A self-leave is decided here alone: a banned user cannot leave to clear the ban.
  if (event.sender === c.target) {
    const member =
      senderMembership === 'invite' ||
      senderMembership === 'join' ||
      (c.version.knock && senderMembership === 'knock');
    if (member) return;
    reject('member.leave.not_member', `cannot leave from ${senderMembership ?? 'no membership'}`);
  }
  if (senderMembership !== 'join') {
    reject('member.leave.sender_not_joined', 'the sender is not in the room');
  }
  if (c.targetMembership === 'ban' && c.senderLevel < c.levelOf('ban')) {
    reject('member.leave.unban_insufficient_power', 'insufficient power to unban');
  }
  if (c.senderLevel < c.levelOf('kick') || c.targetLevel >= c.senderLevel) {
    reject('member.leave.insufficient_power', 'insufficient power to kick');
  }
}

function checkBan(c: MembershipCheck): void {
  if (c.senderMembership !== 'join') {
    reject('member.ban.sender_not_joined', 'the sender is not in the room');
  }
  if (c.senderLevel < c.levelOf('ban') || c.targetLevel >= c.senderLevel) {
    reject('member.ban.insufficient_power', 'insufficient power to ban');
  }
}

/** v7+. The join-rule test comes first: ruma once made it unreachable and took any knock. */
function checkKnock(c: MembershipCheck): void {
  const { joinRule } = c;
  const knockable =
    joinRule === 'knock' || (c.version.knockRestricted && joinRule === 'knock_restricted');
  if (!knockable) reject('member.knock.join_rule', 'the join rules do not allow knocking');
  if (c.event.sender !== c.target) {
    reject('member.knock.not_self', 'cannot knock on behalf of another user');
  }
  const current = c.senderMembership;
  if (current === 'ban' || current === 'invite' || current === 'join') {
    reject('member.knock.already_member', `cannot knock while ${current}`);
  }
}

/** Rule 5.3.1: an invite redeeming a third-party invite, vouched for by its `signed` block. */
function checkThirdPartyInvite(c: MembershipCheck, thirdParty: unknown): void {
  const { event } = c;
  if (c.targetMembership === 'ban') reject('member.invite.target_banned', `${c.target} is banned`);
  const signed = isObject(thirdParty) ? thirdParty['signed'] : undefined;
  if (!isObject(signed)) {
    reject('member.third_party_invite.no_signed', 'third_party_invite without signed');
  }
  const { mxid, token } = signed;
  if (typeof mxid !== 'string' || typeof token !== 'string') {
    reject('member.third_party_invite.malformed', 'signed needs mxid and token');
  }
  if (mxid !== c.target) {
    reject('member.third_party_invite.mxid_mismatch', 'mxid is not the invitee');
  }
  const invite = c.state.get(stateMapKey('m.room.third_party_invite', token));
  if (!invite) reject('member.third_party_invite.missing', 'no matching third-party invite');
  if (invite.sender !== event.sender) {
    reject(
      'member.third_party_invite.sender_mismatch',
      'the third-party invite has another sender',
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
  // The signing entity is whichever server signed `signed` (the identity server).
  const signatures = isObject(signed['signatures']) ? signed['signatures'] : {};
  for (const [entity, byKey] of Object.entries(signatures)) {
    if (!isObject(byKey)) continue;
    for (const keyId of Object.keys(byKey)) {
      if (keys.some((key) => verifyJsonSignature(signed, entity, keyId, key))) return;
    }
  }
  reject('member.third_party_invite.bad_signature', 'no valid signature on the third-party invite');
}

/**
 * Rule 10 (9 from v6): `m.room.power_levels`. Every level the event sets must be one in this
 * version (v10's integer rule, and what Synapse's `int()` enforces before). Then, against the
 * previous levels, nobody touches a level above their own, nor a peer's or superior's entry.
 */
function checkPowerLevels(
  event: RoomEvent,
  state: StateMap<RoomEvent>,
  create: RoomEvent,
  senderLevel: number,
): void {
  const { version, content } = event;
  const parse = (value: unknown) => parsePowerLevel(value, version);
  const maps = version.notificationsInPowerLevels ? ['events', 'notifications'] : ['events'];
  for (const key of LEVEL_KEYS) {
    if (content[key] !== undefined && parse(content[key]) === undefined) {
      reject('power_levels.not_integer', `${key} is not a power level`);
    }
  }
  for (const key of maps) {
    const map = content[key];
    if (
      map !== undefined &&
      !(isObject(map) && Object.values(map).every((v) => parse(v) !== undefined))
    ) {
      reject('power_levels.not_integer', `${key} must map to power levels`);
    }
  }
  const users = content['users'];
  if (users !== undefined) {
    if (!isObject(users)) reject('power_levels.invalid_users', 'users must be an object');
    for (const [userId, level] of Object.entries(users)) {
      if (!parseUserId(userId) || parse(level) === undefined) {
        reject('power_levels.invalid_users', `invalid users entry ${userId}`);
      }
    }
    if (version.creatorsInfinitePower) {
      for (const creator of creatorsOf(create)) {
        if (Object.hasOwn(users, creator)) {
          reject('power_levels.creator_in_users', 'creators may not be listed in users');
        }
      }
    }
  }
  const previous = state.get(stateMapKey('m.room.power_levels', ''));
  if (!previous) return;
  const old = previous.content;
  /** Added, changed or removed: compared as levels, so `"50"` → `50` is no change. */
  const changed = (before: unknown, after: unknown) =>
    (before === undefined) !== (after === undefined) || parse(before) !== parse(after);
  const checkChange = (rule: string, before: unknown, after: unknown) => {
    if (!changed(before, after)) return;
    if ((parse(before) ?? -Infinity) > senderLevel) {
      reject(rule, 'cannot change a level above your own');
    }
    if ((parse(after) ?? -Infinity) > senderLevel)
      reject(rule, 'cannot set a level above your own');
  };
  for (const key of LEVEL_KEYS) checkChange(`power_levels.${key}`, old[key], content[key]);
  for (const mapKey of maps) {
    const [before, after] = [entries(old[mapKey]), entries(content[mapKey])];
    for (const key of new Set([...before.keys(), ...after.keys()])) {
      checkChange(`power_levels.${mapKey}`, before.get(key), after.get(key));
    }
  }
  const [before, after] = [entries(old['users']), entries(users)];
  for (const userId of new Set([...before.keys(), ...after.keys()])) {
    if (!changed(before.get(userId), after.get(userId))) continue;
    // Strictly below: peers are as untouchable as superiors; only one's own entry may drop.
    if (userId !== event.sender && (parse(before.get(userId)) ?? -Infinity) >= senderLevel) {
      reject('power_levels.users_old_value', `cannot change the level of ${userId}`);
    }
    if ((parse(after.get(userId)) ?? -Infinity) > senderLevel) {
      reject('power_levels.users_new_value', 'cannot give a level above your own');
    }
  }
}

/** A JSON object's own entries (none for anything else), safe from prototype keys. */
function entries(value: unknown): Map<string, unknown> {
  return new Map(isObject(value) ? Object.entries(value) : []);
}
