import { getRoomVersion, type RoomVersion } from '@chat/protocol';

import {
  normalizePowerLevels,
  powerLevelsForNewRoom,
  restrictedPowerLevels,
  splitCanonicalAlias,
} from './room-upgrade.service';

const v = (id: string) => getRoomVersion(id) as RoomVersion;
const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
const CAROL = '@carol:example.org';

describe('normalizePowerLevels', () => {
  it('makes every key explicit with the spec defaults', () => {
    expect(normalizePowerLevels({}, v('11'))).toEqual({
      users: {},
      events: {},
      users_default: 0,
      events_default: 0,
      state_default: 50,
      ban: 50,
      kick: 50,
      redact: 50,
      invite: 0,
    });
  });

  it('turns string levels into integers as a v1–9 room reads them, dropping unreadable ones', () => {
    const out = normalizePowerLevels(
      {
        ban: ' +75 ',
        users: { [ALICE]: '100', [BOB]: 'lots' },
        events: { 'm.room.name': '60' },
        notifications: { room: '20' },
        custom: 'kept',
      },
      v('9'),
    );
    expect(out).toMatchObject({
      ban: 75,
      users: { [ALICE]: 100 },
      events: { 'm.room.name': 60 },
      notifications: { room: 20 },
      custom: 'kept',
    });
  });
});

describe('powerLevelsForNewRoom', () => {
  const levels = normalizePowerLevels(
    {
      users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 100 },
      events: { 'm.room.tombstone': 100, 'm.room.server_acl': 100 },
    },
    v('11'),
  );

  it('copies the levels unchanged when the upgrader can already send every state event', () => {
    const out = powerLevelsForNewRoom(levels, ALICE, [], v('10'), v('11'));
    expect(out.initial).toEqual(levels);
    expect(out.final).toBe(out.initial);
  });

  it('raises a weaker upgrader for the copy, then sets them back', () => {
    const out = powerLevelsForNewRoom(levels, BOB, [], v('10'), v('11'));
    expect((out.initial['users'] as Record<string, number>)[BOB]).toBe(100);
    expect(out.final).toEqual(levels);
  });

  it('leaves the creators out of users in a v12 room', () => {
    const out = powerLevelsForNewRoom(levels, ALICE, [CAROL], v('11'), v('12'));
    expect(out.initial['users']).toEqual({ [BOB]: 50 });
    expect(out.final).toBe(out.initial);
  });

  it('lets a v12 creator keep the raise when moving to an older version', () => {
    const fromV12 = normalizePowerLevels(
      { users: { [BOB]: 50 }, events: { 'm.room.tombstone': 150 } },
      v('12'),
    );
    const out = powerLevelsForNewRoom(fromV12, ALICE, [], v('12'), v('11'));
    expect((out.initial['users'] as Record<string, number>)[ALICE]).toBe(150);
    expect(out.final).toBe(out.initial);
  });
});

describe('restrictedPowerLevels', () => {
  it('raises invite and events_default to moderator', () => {
    expect(restrictedPowerLevels({ users: { [ALICE]: 100 }, invite: 0 }, v('11'))).toEqual({
      users: { [ALICE]: 100 },
      invite: 50,
      events_default: 50,
    });
  });

  it('goes above users_default when that is moderator already', () => {
    expect(restrictedPowerLevels({ users_default: 60 }, v('11'))).toEqual({
      users_default: 60,
      invite: 61,
      events_default: 61,
    });
  });

  it('keeps higher levels and answers null when nothing changes', () => {
    expect(restrictedPowerLevels({ invite: 75, events_default: '50' }, v('9'))).toBeNull();
    expect(restrictedPowerLevels({ invite: 75 }, v('11'))).toEqual({
      invite: 75,
      events_default: 50,
    });
  });
});

describe('splitCanonicalAlias', () => {
  const isLocal = (alias: string) => alias.endsWith(':example.org');

  it('moves local aliases to the new room and keeps remote ones in the old one', () => {
    expect(
      splitCanonicalAlias(
        {
          alias: '#main:example.org',
          alt_aliases: ['#alt:example.org', '#far:other.org'],
        },
        isLocal,
      ),
    ).toEqual({
      oldRoom: { alt_aliases: ['#far:other.org'] },
      newRoom: { alias: '#main:example.org', alt_aliases: ['#alt:example.org'] },
    });
  });

  it('empties the old content when every alias was local', () => {
    expect(
      splitCanonicalAlias({ alias: '#a:example.org', alt_aliases: ['#b:example.org'] }, isLocal),
    ).toEqual({
      oldRoom: {},
      newRoom: { alias: '#a:example.org', alt_aliases: ['#b:example.org'] },
    });
  });

  it('answers null when no alias is local', () => {
    expect(
      splitCanonicalAlias({ alias: '#far:other.org', alt_aliases: ['#x:other.org'] }, isLocal),
    ).toBeNull();
    expect(splitCanonicalAlias({}, isLocal)).toBeNull();
  });
});
