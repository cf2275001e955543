import { getRoomVersion, type RoomVersion } from '../events/room-versions';
import { authEventKeys, type AuthSelectable } from './auth-events-selection';

const ALL = Array.from({ length: 12 }, (_, i) => getRoomVersion(String(i + 1)) as RoomVersion);
const ALICE = '@alice:a';
const BOB = '@bob:b';

/** The create entry every event but the create cites, except in v12 where it is implicit. */
const createFor = (version: RoomVersion): Array<[string, string]> =>
  version.createNotInAuthEvents ? [] : [['m.room.create', '']];

const keysOf = (event: AuthSelectable, version: RoomVersion) =>
  new Set(authEventKeys(event, version).map(([type, key]) => `${type}|${key}`));
const expectKeys = (
  event: AuthSelectable,
  version: RoomVersion,
  expected: Array<[string, string]>,
) => {
  expect(keysOf(event, version)).toEqual(new Set(expected.map(([t, k]) => `${t}|${k}`)));
  expect(authEventKeys(event, version)).toHaveLength(expected.length);
};
const member = (sender: string, target: string, content: Record<string, unknown>) => ({
  type: 'm.room.member',
  sender,
  stateKey: target,
  content,
});

describe('authEventKeys', () => {
  it.each(ALL)('v$id: a create event cites nothing', (version) => {
    expect(
      authEventKeys({ type: 'm.room.create', sender: ALICE, stateKey: '', content: {} }, version),
    ).toEqual([]);
  });

  it.each(ALL)('v$id: other events cite create (not v12), power levels, sender', (version) => {
    expectKeys({ type: 'm.room.message', sender: ALICE, content: {} }, version, [
      ...createFor(version),
      ['m.room.power_levels', ''],
      ['m.room.member', ALICE],
    ]);
    expectKeys({ type: 'm.room.topic', sender: ALICE, stateKey: '', content: {} }, version, [
      ...createFor(version),
      ['m.room.power_levels', ''],
      ['m.room.member', ALICE],
    ]);
  });

  it.each(ALL)('v$id: memberships add the target, once', (version) => {
    const base = [...createFor(version), ['m.room.power_levels', '']] as Array<[string, string]>;
    expectKeys(member(ALICE, BOB, { membership: 'ban' }), version, [
      ...base,
      ['m.room.member', ALICE],
      ['m.room.member', BOB],
    ]);
    expectKeys(member(ALICE, ALICE, { membership: 'leave' }), version, [
      ...base,
      ['m.room.member', ALICE],
    ]);
  });

  it.each(ALL)('v$id: join, invite and knock also cite the join rules', (version) => {
    for (const membership of ['join', 'invite', 'knock']) {
      expect(keysOf(member(ALICE, ALICE, { membership }), version)).toContain('m.room.join_rules|');
    }
    for (const membership of ['leave', 'ban']) {
      expect(keysOf(member(ALICE, BOB, { membership }), version)).not.toContain(
        'm.room.join_rules|',
      );
    }
  });

  it.each(ALL)('v$id: a third-party invite cites the invite its token names', (version) => {
    const content = {
      membership: 'invite',
      third_party_invite: { display_name: 'b', signed: { mxid: BOB, token: 'abc' } },
    };
    expect(keysOf(member(ALICE, BOB, content), version)).toContain('m.room.third_party_invite|abc');
    // Malformed or on another membership: nothing to cite.
    const noToken = { membership: 'invite', third_party_invite: { signed: {} } };
    const onJoin = { ...content, membership: 'join' };
    for (const other of [noToken, onJoin]) {
      const keys = [...keysOf(member(ALICE, BOB, other), version)];
      expect(keys.some((key) => key.startsWith('m.room.third_party_invite'))).toBe(false);
    }
  });

  it.each(ALL)('v$id: a restricted join cites its authoriser from v8', (version) => {
    const content = { membership: 'join', join_authorised_via_users_server: '@mod:c' };
    expect(keysOf(member(BOB, BOB, content), version).has('m.room.member|@mod:c')).toBe(
      version.restricted,
    );
    const invite = { ...content, membership: 'invite' };
    expect(keysOf(member(ALICE, BOB, invite), version)).not.toContain('m.room.member|@mod:c');
  });
});
