import { generateSigningKey, signJson } from '../signing';
import { getRoomVersion, type RoomVersion } from '../events/room-versions';
import type { RoomEvent } from '../events/room-event';
import { stateMapKey, type StateMap } from '../events/state-map';
import { makeEvent } from '../state-res/testing/minimal-event-factory';
import { checkAuthEventsStructure, checkAuthRules, checkEventAuth } from './auth-rules';

/**
 * The authorization rules of protocol.md §3.2–3.3: for each sub-rule an allow case and a reject
 * case, in every room version where the rule differs. Rejections are asserted by rule name.
 */
const ALL = Array.from({ length: 12 }, (_, i) => String(i + 1));
const versions = (from: number, to = 12) => ALL.slice(from - 1, to);
const CREATOR = '@creator:a';
const ALICE = '@alice:a';
const BOB = '@bob:b';
const MOD = '@mod:a';

interface Room {
  version: RoomVersion;
  roomId: string;
  create: RoomEvent;
  state: StateMap<RoomEvent>;
  event(spec: {
    type: string;
    sender: string;
    stateKey?: string;
    content?: Record<string, unknown>;
    prev?: string[];
    extra?: Record<string, unknown>;
  }): RoomEvent;
  put(event: RoomEvent): RoomEvent;
  member(user: string, membership: string, content?: Record<string, unknown>): RoomEvent;
}

let counter = 0;

/** A room with a creator, power levels (creator 100, mod 50), and `joinRule`; the creator joined. */
function room(id: string, joinRule = 'invite', createContent: Record<string, unknown> = {}): Room {
  const version = getRoomVersion(id) as RoomVersion;
  const v1ids = version.eventIdFormat === 'v1';
  const fakeRoomId = '!room:a';
  const create = makeEvent(
    {
      type: 'm.room.create',
      sender: CREATOR,
      stateKey: '',
      content: {
        room_version: id,
        ...(version.implicitCreator ? {} : { creator: CREATOR }),
        ...createContent,
      },
      roomId: version.roomIdIsCreateHash ? undefined : fakeRoomId,
      eventId: v1ids ? '$create:a' : undefined,
    },
    version,
  );
  const roomId = create.roomId;
  const state: StateMap<RoomEvent> = new Map([[stateMapKey('m.room.create', ''), create]]);
  const r: Room = {
    version,
    roomId,
    create,
    state,
    event: ({ type, sender, stateKey, content = {}, prev = ['$prev:a'], extra = {} }) => {
      const event = makeEvent(
        {
          type,
          sender,
          stateKey,
          content,
          prevEvents: prev,
          roomId,
          eventId: v1ids ? `$e${counter++}:a` : undefined,
        },
        version,
      );
      Object.assign(event.pdu, extra);
      return event;
    },
    put: (event) => {
      state.set(stateMapKey(event.type, event.stateKey ?? ''), event);
      return event;
    },
    member: (user, membership, content = {}) =>
      r.put(
        r.event({
          type: 'm.room.member',
          sender: user,
          stateKey: user,
          content: { membership, ...content },
        }),
      ),
  };
  r.member(CREATOR, 'join');
  const users: Record<string, number> = { [MOD]: 50 };
  if (!version.creatorsInfinitePower) users[CREATOR] = 100;
  r.put(
    r.event({ type: 'm.room.power_levels', sender: CREATOR, stateKey: '', content: { users } }),
  );
  r.put(
    r.event({
      type: 'm.room.join_rules',
      sender: CREATOR,
      stateKey: '',
      content: { join_rule: joinRule },
    }),
  );
  return r;
}

function allow(event: RoomEvent, state: StateMap<RoomEvent>): void {
  expect(() => checkAuthRules(event, state)).not.toThrow();
}

function reject(event: RoomEvent, state: StateMap<RoomEvent>, rule: string): void {
  expect(() => checkAuthRules(event, state)).toThrow(
    expect.objectContaining({ rule, status: 403, errcode: 'M_FORBIDDEN' }),
  );
}

const membership = (
  r: Room,
  sender: string,
  target: string,
  value: string,
  content: Record<string, unknown> = {},
) =>
  r.event({
    type: 'm.room.member',
    sender,
    stateKey: target,
    content: { membership: value, ...content },
  });

describe('rule 1: m.room.create', () => {
  it.each(ALL)('v%s: allows a well-formed create, rejects one with prev_events', (id) => {
    const r = room(id);
    allow(r.create, new Map());
    const withPrev = makeEvent(
      {
        type: 'm.room.create',
        sender: CREATOR,
        stateKey: '',
        content: r.create.content,
        prevEvents: ['$x:a'],
        roomId: r.version.roomIdIsCreateHash ? undefined : '!room:a',
        eventId: '$c2:a',
      },
      r.version,
    );
    reject(withPrev, new Map(), 'create.has_prev_events');
  });

  it.each(versions(1, 11))('v%s: rejects a room id on another server than the sender', (id) => {
    const version = getRoomVersion(id) as RoomVersion;
    const create = makeEvent(
      {
        type: 'm.room.create',
        sender: CREATOR,
        stateKey: '',
        content: { creator: CREATOR },
        roomId: '!room:elsewhere',
        eventId: '$c:a',
      },
      version,
    );
    reject(create, new Map(), 'create.room_id_domain');
  });

  it('v12: rejects a create event that carries a room_id', () => {
    const version = getRoomVersion('12') as RoomVersion;
    const create = makeEvent(
      { type: 'm.room.create', sender: CREATOR, stateKey: '', content: {}, roomId: '!room:a' },
      version,
    );
    reject(create, new Map(), 'create.has_room_id');
  });

  it.each(ALL)('v%s: rejects an unknown content.room_version', (id) => {
    const r = room(id, 'invite', { room_version: 'no.such.version' });
    reject(r.create, new Map(), 'create.unknown_room_version');
  });

  it.each(versions(1, 10))('v%s: requires content.creator', (id) => {
    const version = getRoomVersion(id) as RoomVersion;
    const create = makeEvent(
      {
        type: 'm.room.create',
        sender: CREATOR,
        stateKey: '',
        content: {},
        roomId: '!room:a',
        eventId: '$c:a',
      },
      version,
    );
    reject(create, new Map(), 'create.no_creator');
  });

  it.each(versions(11))('v%s: needs no content.creator', (id) => {
    allow(room(id).create, new Map());
  });

  it('v12: additional_creators must be a list of user ids (and is ignored before v12)', () => {
    reject(
      room('12', 'invite', { additional_creators: ['not-a-user'] }).create,
      new Map(),
      'create.additional_creators',
    );
    allow(room('12', 'invite', { additional_creators: [BOB] }).create, new Map());
    allow(room('11', 'invite', { additional_creators: ['not-a-user'] }).create, new Map());
  });
});

describe('rule 2: auth_events structure', () => {
  const authOf = (r: Room, ...types: string[]) =>
    types.map((t) => r.state.get(t.includes('\u0000') ? t : stateMapKey(t, '')) as RoomEvent);

  it.each(ALL)('v%s: accepts exactly the selected entries', (id) => {
    const r = room(id, 'public');
    const join = membership(r, ALICE, ALICE, 'join');
    const selected = authOf(r, 'm.room.power_levels', 'm.room.join_rules');
    if (!r.version.createNotInAuthEvents) selected.push(r.create);
    expect(() => checkAuthEventsStructure(join, selected)).not.toThrow();
  });

  it.each(ALL)(
    'v%s: rejects duplicates, unexpected entries, rejected entries and other rooms',
    (id) => {
      const r = room(id, 'public');
      const message = r.event({ type: 'm.room.message', sender: CREATOR });
      const base = authOf(r, 'm.room.power_levels');
      if (!r.version.createNotInAuthEvents) base.push(r.create);
      const check = (auth: RoomEvent[], rule: string) =>
        expect(() => checkAuthEventsStructure(message, auth)).toThrow(
          expect.objectContaining({ rule }),
        );
      check([...base, ...authOf(r, 'm.room.power_levels')], 'auth_events.duplicate');
      check([...base, ...authOf(r, 'm.room.join_rules')], 'auth_events.unexpected');
      const rejectedPl = r.event({
        type: 'm.room.power_levels',
        sender: CREATOR,
        stateKey: '',
        content: {},
      });
      rejectedPl.rejectedReason = 'test';
      check(
        [...base.filter((e) => e.type !== 'm.room.power_levels'), rejectedPl],
        'auth_events.rejected',
      );
      const elsewhere = makeEvent(
        {
          type: 'm.room.power_levels',
          sender: CREATOR,
          stateKey: '',
          content: {},
          roomId: '!other:a',
          eventId: '$o:a',
        },
        r.version,
      );
      check(
        [...base.filter((e) => e.type !== 'm.room.power_levels'), elsewhere],
        'auth_events.wrong_room',
      );
    },
  );

  it.each(versions(1, 11))('v%s: requires the create event', (id) => {
    const r = room(id);
    const message = r.event({ type: 'm.room.message', sender: CREATOR });
    expect(() => checkAuthEventsStructure(message, authOf(r, 'm.room.power_levels'))).toThrow(
      expect.objectContaining({ rule: 'auth_events.no_create' }),
    );
  });

  it('v12: forbids the create event, which the room id implies', () => {
    const r = room('12');
    const message = r.event({ type: 'm.room.message', sender: CREATOR });
    expect(() => checkAuthEventsStructure(message, [r.create])).toThrow(
      expect.objectContaining({ rule: 'auth_events.create_present' }),
    );
    expect(() =>
      checkEventAuth(
        message,
        authOf(r, 'm.room.power_levels', `m.room.member\u0000${CREATOR}`),
        r.create,
      ),
    ).not.toThrow();
  });

  it('v12: the room id must name an accepted create event', () => {
    const r = room('12');
    const message = r.event({ type: 'm.room.message', sender: CREATOR });
    allow(message, r.state);
    const other = room('12', 'invite', { extra: 1 });
    const state = new Map(r.state).set(stateMapKey('m.room.create', ''), other.create);
    reject(message, state, 'room_id.not_create_event');
    r.create.rejectedReason = 'rejected';
    reject(message, r.state, 'room_id.not_create_event');
  });
});

describe('rule 3: m.federate', () => {
  it.each(ALL)('v%s: a non-federating room refuses other servers only', (id) => {
    const r = room(id, 'public', { 'm.federate': false });
    reject(membership(r, BOB, BOB, 'join'), r.state, 'create.m_federate');
    allow(membership(r, ALICE, ALICE, 'join'), r.state);
  });
});

describe('rule 4 (v1–v5): m.room.aliases', () => {
  it.each(versions(1, 5))(
    'v%s: the state key must be the sender’s server; membership is not needed',
    (id) => {
      const r = room(id);
      allow(
        r.event({ type: 'm.room.aliases', sender: BOB, stateKey: 'b', content: { aliases: [] } }),
        r.state,
      );
      reject(
        r.event({ type: 'm.room.aliases', sender: BOB, stateKey: 'a', content: {} }),
        r.state,
        'aliases.state_key_domain',
      );
      reject(
        r.event({ type: 'm.room.aliases', sender: BOB, content: {} }),
        r.state,
        'aliases.no_state_key',
      );
    },
  );

  it.each(versions(6))('v%s: aliases events are ordinary state events', (id) => {
    const r = room(id);
    reject(
      r.event({ type: 'm.room.aliases', sender: BOB, stateKey: 'b', content: {} }),
      r.state,
      'event.sender_not_joined',
    );
  });
});

describe('m.room.member: join', () => {
  it.each(ALL)('v%s: the creator joins right after the create event', (id) => {
    const r = room(id);
    const join = r.event({
      type: 'm.room.member',
      sender: CREATOR,
      stateKey: CREATOR,
      content: { membership: 'join' },
      prev: [r.create.eventId],
    });
    allow(join, new Map([[stateMapKey('m.room.create', ''), r.create]]));
    const other = r.event({
      type: 'm.room.member',
      sender: ALICE,
      stateKey: ALICE,
      content: { membership: 'join' },
      prev: [r.create.eventId],
    });
    reject(
      other,
      new Map([[stateMapKey('m.room.create', ''), r.create]]),
      'member.join.not_invited',
    );
    // "Only the create event before it" means exactly one prev event.
    const twoPrevs = r.event({
      type: 'm.room.member',
      sender: CREATOR,
      stateKey: CREATOR,
      content: { membership: 'join' },
      prev: [r.create.eventId, '$other:a'],
    });
    reject(
      twoPrevs,
      new Map([[stateMapKey('m.room.create', ''), r.create]]),
      'member.join.not_invited',
    );
  });

  it.each(ALL)('v%s: one joins only oneself, never while banned', (id) => {
    const r = room(id, 'public');
    reject(membership(r, ALICE, BOB, 'join'), r.state, 'member.join.not_self');
    r.member(ALICE, 'ban');
    reject(membership(r, ALICE, ALICE, 'join'), r.state, 'member.join.banned');
  });

  it.each(ALL)('v%s: invite rooms take the invited, public rooms everyone', (id) => {
    const r = room(id, 'invite');
    reject(membership(r, ALICE, ALICE, 'join'), r.state, 'member.join.not_invited');
    r.member(ALICE, 'invite');
    allow(membership(r, ALICE, ALICE, 'join'), r.state);
    allow(membership(r, BOB, BOB, 'join'), room(id, 'public').state);
  });

  it.each(ALL)(
    'v%s: knock rooms admit the invited from v7; before, knock is no join rule',
    (id) => {
      const r = room(id, 'knock');
      r.member(ALICE, 'invite');
      if (r.version.knock) allow(membership(r, ALICE, ALICE, 'join'), r.state);
      else reject(membership(r, ALICE, ALICE, 'join'), r.state, 'member.join.not_allowed');
      reject(
        membership(r, BOB, BOB, 'join'),
        r.state,
        r.version.knock ? 'member.join.not_invited' : 'member.join.not_allowed',
      );
    },
  );

  describe.each(ALL)('v%s restricted joins', (id) => {
    const signedBy = (server: string) => ({ signatures: { [server]: { 'ed25519:k': 'sig' } } });
    it.each(['restricted', 'knock_restricted'])('%s', (rule) => {
      const r = room(id, rule);
      const supported =
        r.version.restricted && (rule === 'restricted' || r.version.knockRestricted);
      const via = (authoriser: string, extra = signedBy(authoriser.split(':')[1])) =>
        r.event({
          type: 'm.room.member',
          sender: BOB,
          stateKey: BOB,
          content: { membership: 'join', join_authorised_via_users_server: authoriser },
          extra,
        });
      if (!supported) {
        reject(membership(r, BOB, BOB, 'join'), r.state, 'member.join.not_allowed');
        return;
      }
      reject(membership(r, BOB, BOB, 'join'), r.state, 'member.join.restricted');
      allow(via(CREATOR), r.state);
      reject(via(CREATOR, { signatures: {} }), r.state, 'member.authoriser_signature');
      reject(via(ALICE), r.state, 'member.join.authoriser_not_joined');
      r.member(ALICE, 'join');
      const pl = r.state.get(stateMapKey('m.room.power_levels', '')) as RoomEvent;
      r.put(
        r.event({
          type: 'm.room.power_levels',
          sender: CREATOR,
          stateKey: '',
          content: { ...pl.content, invite: 10 },
        }),
      );
      reject(via(ALICE), r.state, 'member.join.authoriser_cannot_invite');
      r.member(BOB, 'invite');
      allow(membership(r, BOB, BOB, 'join'), r.state);
    });
  });
});

describe('m.room.member: invite', () => {
  it.each(ALL)(
    'v%s: a joined member with invite power invites someone not joined or banned',
    (id) => {
      const r = room(id);
      allow(membership(r, CREATOR, ALICE, 'invite'), r.state);
      reject(membership(r, BOB, ALICE, 'invite'), r.state, 'member.invite.sender_not_joined');
      r.member(ALICE, 'join');
      reject(
        membership(r, CREATOR, ALICE, 'invite'),
        r.state,
        'member.invite.target_joined_or_banned',
      );
      r.member(BOB, 'ban');
      reject(
        membership(r, CREATOR, BOB, 'invite'),
        r.state,
        'member.invite.target_joined_or_banned',
      );
      const pl = r.state.get(stateMapKey('m.room.power_levels', '')) as RoomEvent;
      r.put(
        r.event({
          type: 'm.room.power_levels',
          sender: CREATOR,
          stateKey: '',
          content: { ...pl.content, invite: 60 },
        }),
      );
      reject(
        membership(r, MOD, '@carol:a', 'invite'),
        new Map(r.state).set(stateMapKey('m.room.member', MOD), membership(r, MOD, MOD, 'join')),
        'member.invite.insufficient_power',
      );
    },
  );

  it.each(versions(1))(
    'v%s: third-party invites need a signature by a key of the matching invite',
    (id) => {
      const r = room(id);
      const key = generateSigningKey();
      r.put(
        r.event({
          type: 'm.room.third_party_invite',
          sender: CREATOR,
          stateKey: 'tok',
          content: { public_key: key.publicKeyBase64 },
        }),
      );
      const signed = signJson({ mxid: ALICE, token: 'tok', sender: CREATOR }, 'id.example', key);
      const invite = (tpi: unknown, sender = CREATOR, target = ALICE) =>
        r.event({
          type: 'm.room.member',
          sender,
          stateKey: target,
          content: { membership: 'invite', third_party_invite: tpi },
        });
      allow(invite({ display_name: 'a', signed }), r.state);
      reject(invite({ display_name: 'a' }), r.state, 'member.third_party_invite.no_signed');
      reject(invite({ signed: { token: 'tok' } }), r.state, 'member.third_party_invite.malformed');
      reject(invite({ signed }, CREATOR, BOB), r.state, 'member.third_party_invite.mxid_mismatch');
      reject(
        invite({ signed: { ...signed, token: 'other' } }),
        r.state,
        'member.third_party_invite.missing',
      );
      r.member(MOD, 'join');
      reject(invite({ signed }, MOD), r.state, 'member.third_party_invite.sender_mismatch');
      reject(
        invite({
          signed: { ...signed, mxid: ALICE, signatures: { 'id.example': { [key.keyId]: 'AAAA' } } },
        }),
        r.state,
        'member.third_party_invite.bad_signature',
      );
      r.member(ALICE, 'ban');
      reject(invite({ signed }), r.state, 'member.invite.target_banned');
    },
  );
});

describe('m.room.member: leave', () => {
  it.each(ALL)('v%s: one leaves from join or invite (and knock from v7), never from ban', (id) => {
    const r = room(id);
    r.member(ALICE, 'join');
    allow(membership(r, ALICE, ALICE, 'leave'), r.state);
    r.member(ALICE, 'invite');
    allow(membership(r, ALICE, ALICE, 'leave'), r.state);
    r.member(ALICE, 'ban');
    reject(membership(r, ALICE, ALICE, 'leave'), r.state, 'member.leave.not_member');
    r.member(ALICE, 'knock');
    if (r.version.knock) allow(membership(r, ALICE, ALICE, 'leave'), r.state);
    else reject(membership(r, ALICE, ALICE, 'leave'), r.state, 'member.leave.not_member');
  });

  it.each(ALL)(
    'v%s: kicks need kick level and a target strictly below; unbans need ban level',
    (id) => {
      const r = room(id);
      r.member(ALICE, 'join');
      r.member(MOD, 'join');
      allow(membership(r, MOD, ALICE, 'leave'), r.state);
      reject(membership(r, ALICE, MOD, 'leave'), r.state, 'member.leave.insufficient_power');
      reject(membership(r, BOB, ALICE, 'leave'), r.state, 'member.leave.sender_not_joined');
      const pl = r.state.get(stateMapKey('m.room.power_levels', '')) as RoomEvent;
      const users = { ...(pl.content['users'] as Record<string, number>), [ALICE]: 50 };
      r.put(
        r.event({
          type: 'm.room.power_levels',
          sender: CREATOR,
          stateKey: '',
          content: { ...pl.content, users, ban: 60 },
        }),
      );
      // Equal power is not enough: the target must be strictly below.
      reject(membership(r, MOD, ALICE, 'leave'), r.state, 'member.leave.insufficient_power');
      r.member(BOB, 'ban');
      reject(membership(r, MOD, BOB, 'leave'), r.state, 'member.leave.unban_insufficient_power');
      allow(membership(r, CREATOR, BOB, 'leave'), r.state);
    },
  );
});

describe('m.room.member: ban', () => {
  it.each(ALL)('v%s: bans need ban level and a target strictly below', (id) => {
    const r = room(id);
    r.member(MOD, 'join');
    allow(membership(r, MOD, ALICE, 'ban'), r.state);
    reject(membership(r, BOB, ALICE, 'ban'), r.state, 'member.ban.sender_not_joined');
    r.member(ALICE, 'join');
    reject(membership(r, ALICE, MOD, 'ban'), r.state, 'member.ban.insufficient_power');
    reject(membership(r, MOD, CREATOR, 'ban'), r.state, 'member.ban.insufficient_power');
    const pl = r.state.get(stateMapKey('m.room.power_levels', '')) as RoomEvent;
    const users = { ...(pl.content['users'] as Record<string, number>), [ALICE]: 50 };
    r.put(
      r.event({
        type: 'm.room.power_levels',
        sender: CREATOR,
        stateKey: '',
        content: { ...pl.content, users },
      }),
    );
    // Equal power is not enough.
    reject(membership(r, MOD, ALICE, 'ban'), r.state, 'member.ban.insufficient_power');
  });
});

describe('m.room.member: knock', () => {
  it.each(ALL)(
    'v%s: knocks only on knock rooms (knock_restricted from v10), for oneself, when not a member',
    (id) => {
      const r = room(id, 'knock');
      if (!r.version.knock) {
        reject(membership(r, ALICE, ALICE, 'knock'), r.state, 'member.unknown_membership');
        return;
      }
      allow(membership(r, ALICE, ALICE, 'knock'), r.state);
      reject(membership(r, ALICE, BOB, 'knock'), r.state, 'member.knock.not_self');
      for (const current of ['invite', 'join', 'ban']) {
        r.member(ALICE, current);
        reject(membership(r, ALICE, ALICE, 'knock'), r.state, 'member.knock.already_member');
      }
      // The ruma bug: knocking on a public room must be refused.
      reject(membership(r, BOB, BOB, 'knock'), room(id, 'public').state, 'member.knock.join_rule');
      const kr = room(id, 'knock_restricted');
      if (kr.version.knockRestricted) allow(membership(kr, BOB, BOB, 'knock'), kr.state);
      else reject(membership(kr, BOB, BOB, 'knock'), kr.state, 'member.knock.join_rule');
    },
  );

  it.each(ALL)('v%s: refuses unknown memberships and member events without a membership', (id) => {
    const r = room(id);
    reject(membership(r, CREATOR, CREATOR, 'dance'), r.state, 'member.unknown_membership');
    reject(
      r.event({ type: 'm.room.member', sender: CREATOR, stateKey: CREATOR, content: {} }),
      r.state,
      'member.malformed',
    );
  });
});

describe('other events', () => {
  it.each(ALL)('v%s: only joined members send; power decides the rest', (id) => {
    const r = room(id);
    reject(r.event({ type: 'm.room.message', sender: ALICE }), r.state, 'event.sender_not_joined');
    r.member(ALICE, 'join');
    allow(r.event({ type: 'm.room.message', sender: ALICE }), r.state);
    reject(
      r.event({ type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'x' } }),
      r.state,
      'event.insufficient_power',
    );
    allow(
      r.event({ type: 'm.room.topic', sender: CREATOR, stateKey: '', content: { topic: 'x' } }),
      r.state,
    );
  });

  it.each(ALL)('v%s: third-party invite events need invite power', (id) => {
    const r = room(id);
    allow(
      r.event({ type: 'm.room.third_party_invite', sender: CREATOR, stateKey: 't', content: {} }),
      r.state,
    );
    const pl = r.state.get(stateMapKey('m.room.power_levels', '')) as RoomEvent;
    r.put(
      r.event({
        type: 'm.room.power_levels',
        sender: CREATOR,
        stateKey: '',
        content: { ...pl.content, invite: 75 },
      }),
    );
    r.member(MOD, 'join');
    reject(
      r.event({ type: 'm.room.third_party_invite', sender: MOD, stateKey: 't', content: {} }),
      r.state,
      'third_party_invite.insufficient_power',
    );
  });

  it.each(ALL)('v%s: a state key starting with @ must be the sender', (id) => {
    const r = room(id);
    allow(r.event({ type: 'org.example', sender: CREATOR, stateKey: CREATOR }), r.state);
    reject(
      r.event({ type: 'org.example', sender: CREATOR, stateKey: ALICE }),
      r.state,
      'event.state_key_impersonation',
    );
  });

  it.each(ALL)('v%s: redactions: own rule in v1–v2, ordinary events from v3', (id) => {
    const r = room(id);
    r.member(ALICE, 'join');
    const redaction = (sender: string, redacts: string) =>
      r.event({
        type: 'm.room.redaction',
        sender,
        content: r.version.redactsInContent ? { redacts } : {},
        extra: r.version.redactsInContent ? {} : { redacts },
      });
    allow(redaction(CREATOR, '$x:b'), r.state);
    if (r.version.redactionAuthRule) {
      // v1/v2 event ids carry a server: the same server may redact its own events.
      allow(redaction(ALICE, '$x:a'), r.state);
      reject(redaction(ALICE, '$x:b'), r.state, 'redaction.insufficient_power');
    } else {
      allow(redaction(ALICE, '$x:b'), r.state);
    }
  });
});

describe('m.room.power_levels', () => {
  const plOf = (r: Room) =>
    (r.state.get(stateMapKey('m.room.power_levels', '')) as RoomEvent).content;
  const pl = (r: Room, sender: string, content: Record<string, unknown>) =>
    r.event({ type: 'm.room.power_levels', sender, stateKey: '', content });

  it.each(ALL)(
    'v%s: the first power levels event is allowed; users must be user ids with levels',
    (id) => {
      const r = room(id);
      r.state.delete(stateMapKey('m.room.power_levels', ''));
      allow(
        pl(r, CREATOR, { users: r.version.creatorsInfinitePower ? {} : { [CREATOR]: 100 } }),
        r.state,
      );
      reject(pl(r, CREATOR, { users: { 'not-a-user': 5 } }), r.state, 'power_levels.invalid_users');
      reject(pl(r, CREATOR, { users: { [ALICE]: 'ten' } }), r.state, 'power_levels.invalid_users');
    },
  );

  it.each(ALL)('v%s: integer strings are levels until v10', (id) => {
    const r = room(id);
    const content = { ...plOf(r), users_default: '10' };
    if (r.version.integerPowerLevels)
      reject(pl(r, CREATOR, content), r.state, 'power_levels.not_integer');
    else allow(pl(r, CREATOR, content), r.state);
    const events = { ...plOf(r), events: { 'm.room.name': '10' } };
    if (r.version.integerPowerLevels)
      reject(pl(r, CREATOR, events), r.state, 'power_levels.not_integer');
    else allow(pl(r, CREATOR, events), r.state);
  });

  it.each(ALL)('v%s: nobody raises a level, or changes one, above their own', (id) => {
    const r = room(id);
    r.member(MOD, 'join');
    const base = plOf(r);
    allow(pl(r, MOD, { ...base, events_default: 50 }), r.state);
    reject(pl(r, MOD, { ...base, ban: 51 }), r.state, 'power_levels.ban');
    reject(pl(r, MOD, { ...base, events: { 'm.room.name': 51 } }), r.state, 'power_levels.events');
    // A level one above the sender's is out of reach; one equal to it may change.
    r.put(pl(r, CREATOR, { ...base, redact: 50, kick: 51 }));
    allow(pl(r, MOD, { ...plOf(r), redact: 0 }), r.state);
    reject(pl(r, MOD, { ...plOf(r), kick: 50 }), r.state, 'power_levels.kick');
    r.put(pl(r, CREATOR, { ...base, kick: 75 }));
    reject(pl(r, MOD, { ...plOf(r), kick: 10 }), r.state, 'power_levels.kick');
  });

  it.each(ALL)(
    'v%s: users entries: peers and superiors are untouchable, oneself may step down',
    (id) => {
      const r = room(id);
      r.member(MOD, 'join');
      const users = plOf(r)['users'] as Record<string, number>;
      allow(pl(r, MOD, { ...plOf(r), users: { ...users, [ALICE]: 50 } }), r.state);
      reject(
        pl(r, MOD, { ...plOf(r), users: { ...users, [ALICE]: 51 } }),
        r.state,
        'power_levels.users_new_value',
      );
      allow(pl(r, MOD, { ...plOf(r), users: { ...users, [MOD]: 10 } }), r.state);
      r.put(pl(r, CREATOR, { ...plOf(r), users: { ...users, [ALICE]: 50 } }));
      reject(
        pl(r, MOD, { ...plOf(r), users: { ...users, [ALICE]: 0 } }),
        r.state,
        'power_levels.users_old_value',
      );
    },
  );

  it.each(ALL)('v%s: notifications levels are protected from v6', (id) => {
    const r = room(id);
    r.put(pl(r, CREATOR, { ...plOf(r), notifications: { room: 75 } }));
    r.member(MOD, 'join');
    const change = pl(r, MOD, { ...plOf(r), notifications: { room: 0 } });
    if (r.version.notificationsInPowerLevels) reject(change, r.state, 'power_levels.notifications');
    else allow(change, r.state);
  });

  it('v12: creators have infinite power and may not be listed in users', () => {
    const r = room('12', 'invite', { additional_creators: [ALICE] });
    reject(
      pl(r, CREATOR, { ...plOf(r), users: { [CREATOR]: 100 } }),
      r.state,
      'power_levels.creator_in_users',
    );
    reject(
      pl(r, CREATOR, { ...plOf(r), users: { [ALICE]: 100 } }),
      r.state,
      'power_levels.creator_in_users',
    );
    r.member(ALICE, 'join');
    r.member(MOD, 'join');
    // An additional creator outranks everyone, including a user at the top integer level.
    allow(membership(r, ALICE, MOD, 'ban'), r.state);
    allow(pl(r, CREATOR, { ...plOf(r), users: { [MOD]: Number.MAX_SAFE_INTEGER } }), r.state);
    reject(membership(r, MOD, ALICE, 'ban'), r.state, 'member.ban.insufficient_power');
    allow(r.event({ type: 'm.room.tombstone', sender: ALICE, stateKey: '', content: {} }), r.state);
  });

  it('v11: the creator has no special power once power levels exist', () => {
    const r = room('11');
    const base = plOf(r);
    r.put(pl(r, CREATOR, { ...base, users: {} }));
    r.member(MOD, 'join');
    reject(
      r.event({ type: 'm.room.topic', sender: CREATOR, stateKey: '', content: {} }),
      r.state,
      'event.insufficient_power',
    );
  });
});
