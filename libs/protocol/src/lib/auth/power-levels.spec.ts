import { vectorsIn } from '../../test-vectors/vectors';
import type { RoomEvent } from '../events/room-event';
import { getRoomVersion, type RoomVersion } from '../events/room-versions';
import { stateMapKey, type StateMap } from '../events/state-map';
import {
  canUserSend,
  CREATOR_POWER_LEVEL,
  creatorsOf,
  defaultPowerLevelsContent,
  namedPowerLevel,
  parsePowerLevel,
  redactionPowerLevel,
  requiredPowerLevel,
  userPowerLevel,
  type NamedLevel,
} from './power-levels';
import { makeEvent } from './testing/event-factory';

const v = (id: number) => getRoomVersion(String(id)) as RoomVersion;
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => v(from + i));

describe('parsePowerLevel', () => {
  it.each(vectorsIn<{ value: string }, number>('stringy-power-level/'))(
    '%s',
    (_, { input, expected }) => {
      for (const version of range(1, 9))
        expect(parsePowerLevel(input.value, version)).toBe(expected);
      for (const version of range(10, 12))
        expect(parsePowerLevel(input.value, version)).toBeUndefined();
    },
  );

  it.each(vectorsIn<{ value_text: string }, number>('floaty-power-level/'))(
    '%s',
    (_, { input, expected }) => {
      const value = JSON.parse(input.value_text) as number;
      for (const version of range(1, 5)) expect(parsePowerLevel(value, version)).toBe(expected);
      for (const version of range(6, 12)) expect(parsePowerLevel(value, version)).toBeUndefined();
    },
  );

  it('takes JSON integers in every version and nothing else', () => {
    for (const version of range(1, 12)) {
      expect(parsePowerLevel(100, version)).toBe(100);
      expect(parsePowerLevel(-5, version)).toBe(-5);
      for (const junk of [
        null,
        true,
        {},
        [],
        '1.5',
        'ten',
        '',
        Number.NaN,
        Number.POSITIVE_INFINITY,
      ]) {
        expect(parsePowerLevel(junk, version)).toBeUndefined();
      }
    }
  });
});

const CREATOR = '@creator:a';
const OTHER = '@other:a';
const ALICE = '@alice:b';

/** A state holding a create (creator named the version's way) and optionally power levels. */
function stateOf(
  version: RoomVersion,
  powerLevels?: Record<string, unknown>,
  createContent: Record<string, unknown> = {},
): StateMap<RoomEvent> {
  const create = makeEvent(
    {
      type: 'm.room.create',
      sender: CREATOR,
      stateKey: '',
      content: { ...(version.implicitCreator ? {} : { creator: CREATOR }), ...createContent },
      roomId: version.roomIdIsCreateHash ? undefined : '!r:a',
    },
    version,
  );
  const state: StateMap<RoomEvent> = new Map([[stateMapKey('m.room.create', ''), create]]);
  if (powerLevels) {
    const pl = makeEvent(
      {
        type: 'm.room.power_levels',
        sender: CREATOR,
        stateKey: '',
        content: powerLevels,
        eventId: '$pl:a',
      },
      version,
    );
    state.set(stateMapKey('m.room.power_levels', ''), pl);
  }
  return state;
}

describe('creatorsOf', () => {
  it.each(range(1, 10))('v$id: content.creator, whoever sent the create', (version) => {
    const state = stateOf(version, undefined, { creator: OTHER, additional_creators: [ALICE] });
    expect(creatorsOf(state.get(stateMapKey('m.room.create', '')) as RoomEvent)).toEqual(
      new Set([OTHER]),
    );
  });

  it('v11: the create sender; content.creator and additional_creators mean nothing', () => {
    const state = stateOf(v(11), undefined, { creator: OTHER, additional_creators: [ALICE] });
    expect(creatorsOf(state.get(stateMapKey('m.room.create', '')) as RoomEvent)).toEqual(
      new Set([CREATOR]),
    );
  });

  it('v12: the create sender and additional_creators', () => {
    const state = stateOf(v(12), undefined, { additional_creators: [ALICE] });
    expect(creatorsOf(state.get(stateMapKey('m.room.create', '')) as RoomEvent)).toEqual(
      new Set([CREATOR, ALICE]),
    );
  });
});

describe('userPowerLevel', () => {
  it.each(range(1, 11))('v$id: without power levels the creator has 100, others 0', (version) => {
    const state = stateOf(version);
    expect(userPowerLevel(CREATOR, state, version)).toBe(100);
    expect(userPowerLevel(OTHER, state, version)).toBe(0);
    expect(userPowerLevel(CREATOR, new Map(), version)).toBe(0);
  });

  it('v10 names the creator in content, v11 by the create sender', () => {
    expect(userPowerLevel(OTHER, stateOf(v(10), undefined, { creator: OTHER }), v(10))).toBe(100);
    expect(userPowerLevel(CREATOR, stateOf(v(10), undefined, { creator: OTHER }), v(10))).toBe(0);
    expect(userPowerLevel(OTHER, stateOf(v(11), undefined, { creator: OTHER }), v(11))).toBe(0);
    expect(userPowerLevel(CREATOR, stateOf(v(11), undefined, { creator: OTHER }), v(11))).toBe(100);
  });

  it.each(range(1, 11))('v$id: with power levels the creator is like anyone else', (version) => {
    const state = stateOf(version, { users: { [OTHER]: 75 }, users_default: 5 });
    expect(userPowerLevel(OTHER, state, version)).toBe(75);
    expect(userPowerLevel(CREATOR, state, version)).toBe(5);
    expect(userPowerLevel(OTHER, stateOf(version, {}), version)).toBe(0);
  });

  it('v12: creators are infinite with or without power levels, and outrank any integer', () => {
    const version = v(12);
    for (const state of [
      stateOf(version, undefined, { additional_creators: [ALICE] }),
      stateOf(
        version,
        { users: { [OTHER]: Number.MAX_SAFE_INTEGER } },
        {
          additional_creators: [ALICE],
        },
      ),
    ]) {
      expect(userPowerLevel(CREATOR, state, version)).toBe(CREATOR_POWER_LEVEL);
      expect(userPowerLevel(ALICE, state, version)).toBe(CREATOR_POWER_LEVEL);
      expect(userPowerLevel(OTHER, state, version)).toBeLessThan(CREATOR_POWER_LEVEL);
    }
    expect(CREATOR_POWER_LEVEL < CREATOR_POWER_LEVEL).toBe(false);
    expect(userPowerLevel(OTHER, stateOf(version), version)).toBe(0);
  });

  it('reads string levels until v9 and only integers from v10', () => {
    const content = { users: { [OTHER]: ' 60 ' }, users_default: '7' };
    expect(userPowerLevel(OTHER, stateOf(v(9), content), v(9))).toBe(60);
    expect(userPowerLevel(ALICE, stateOf(v(9), content), v(9))).toBe(7);
    expect(userPowerLevel(OTHER, stateOf(v(10), content), v(10))).toBe(0);
    // Floats count, truncated, until v5.
    for (const version of range(1, 5)) {
      const floats = stateOf(version, { users: { [OTHER]: 60.9 } });
      expect(userPowerLevel(OTHER, floats, version)).toBe(60);
    }
  });
});

describe('requiredPowerLevel and named levels', () => {
  it.each(range(1, 12))('v$id: events[type], else state_default or events_default', (version) => {
    const content = { events: { 'm.room.name': 80 }, state_default: 40, events_default: 10 };
    expect(requiredPowerLevel('m.room.name', true, content, version)).toBe(80);
    expect(requiredPowerLevel('m.room.name', false, content, version)).toBe(80);
    expect(requiredPowerLevel('m.room.topic', true, content, version)).toBe(40);
    expect(requiredPowerLevel('m.room.message', false, content, version)).toBe(10);
    // Defaults, also without any power-levels event.
    expect(requiredPowerLevel('m.room.topic', true, undefined, version)).toBe(50);
    expect(requiredPowerLevel('m.room.message', false, undefined, version)).toBe(0);
    expect(requiredPowerLevel('m.room.topic', true, {}, version)).toBe(50);
  });

  it.each(range(1, 12))('v$id: invite 0, kick/ban/redact 50 unless set', (version) => {
    const defaults = { invite: 0, kick: 50, ban: 50, redact: 50 } as const;
    for (const [name, level] of Object.entries(defaults)) {
      expect(namedPowerLevel(name as NamedLevel, undefined, version)).toBe(level);
      expect(namedPowerLevel(name as NamedLevel, { [name]: 7 }, version)).toBe(7);
    }
    expect(redactionPowerLevel(stateOf(version, { redact: 20 }), version)).toBe(20);
    expect(redactionPowerLevel(stateOf(version), version)).toBe(50);
  });

  it('does not read prototype keys as event types', () => {
    expect(requiredPowerLevel('toString', false, { events: {} }, v(12))).toBe(0);
    expect(requiredPowerLevel('__proto__', true, { events: {} }, v(12))).toBe(50);
  });
});

describe('canUserSend', () => {
  it.each(range(1, 12))('v$id: power level ≥ required (equal suffices)', (version) => {
    const state = stateOf(version, { users: { [OTHER]: 50 }, events: { 'm.room.name': 51 } });
    expect(canUserSend(OTHER, 'm.room.topic', true, state, version)).toBe(true);
    expect(canUserSend(OTHER, 'm.room.name', true, state, version)).toBe(false);
    expect(canUserSend(ALICE, 'm.room.message', false, state, version)).toBe(true);
    expect(canUserSend(ALICE, 'm.room.topic', true, state, version)).toBe(false);
  });
});

describe('defaultPowerLevelsContent', () => {
  it.each(range(1, 11))('v$id: lists the creator at 100, tombstone at 100', (version) => {
    const content = defaultPowerLevelsContent(CREATOR, version);
    expect(content['users']).toEqual({ [CREATOR]: 100 });
    expect((content['events'] as Record<string, number>)['m.room.tombstone']).toBe(100);
    expect(content).toMatchObject({ state_default: 50, invite: 50, kick: 50, ban: 50 });
  });

  it('v12: lists no creator and puts the tombstone above state_default', () => {
    const content = defaultPowerLevelsContent(CREATOR, v(12));
    expect(content['users']).toEqual({});
    const tombstone = (content['events'] as Record<string, number>)['m.room.tombstone'];
    expect(tombstone).toBeGreaterThan(content['state_default'] as number);
    const state = stateOf(v(12), content);
    expect(canUserSend(CREATOR, 'm.room.tombstone', true, state, v(12))).toBe(true);
    expect(canUserSend(OTHER, 'm.room.tombstone', true, state, v(12))).toBe(false);
  });
});
