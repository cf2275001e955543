import fc from 'fast-check';
import { AuthError } from '../auth/auth-error';
import { authEventKeys } from '../auth/auth-events-selection';
import { checkAuthRules } from '../auth/auth-rules';
import type { RoomEvent } from '../events/room-event';
import { stateMapKey, type StateMap } from '../events/state-map';
import { resolveState } from './state-resolution';
import {
  ALICE,
  BOB,
  CAROL,
  DAVE,
  EVE,
  type RoomGraph,
  baseRoom,
  type EventSpec,
} from './testing/room-graph';

const USERS = [ALICE, BOB, CAROL, DAVE, EVE];
const LEVELS = [0, 50, 100];

/** One step of a random room history, applied to one of the branches (forks) built so far. */
type Step =
  | { kind: 'fork'; from: number }
  | {
      kind: 'member';
      branch: number;
      sender: number;
      target: number;
      membership: string;
      ts: number;
    }
  | { kind: 'topic'; branch: number; sender: number; ts: number }
  | { kind: 'powerLevels'; branch: number; sender: number; levels: number[]; ts: number }
  | { kind: 'joinRules'; branch: number; sender: number; rule: string; ts: number };

const user = fc.nat({ max: USERS.length - 1 });
const branch = fc.nat({ max: 5 });
// Few distinct timestamps, so the timestamp and event-id tie-breaks are exercised too.
const ts = fc.integer({ min: 0, max: 4 }).map((n) => 2_000 + n * 100);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('fork' as const), from: branch }),
  // Users joining or leaving themselves…
  fc
    .record({
      kind: fc.constant('member' as const),
      branch,
      sender: user,
      membership: fc.constantFrom('join', 'leave'),
      ts,
    })
    .map((s) => ({ ...s, target: s.sender })),
  // …and acting on others: kicks, bans, invites.
  fc.record({
    kind: fc.constant('member' as const),
    branch,
    sender: user,
    target: user,
    membership: fc.constantFrom('leave', 'ban', 'invite'),
    ts,
  }),
  fc.record({ kind: fc.constant('topic' as const), branch, sender: user, ts }),
  fc.record({
    kind: fc.constant('powerLevels' as const),
    branch,
    sender: user,
    levels: fc.array(fc.constantFrom(...LEVELS), { minLength: 3, maxLength: 3 }),
    ts,
  }),
  fc.record({
    kind: fc.constant('joinRules' as const),
    branch,
    sender: user,
    rule: fc.constantFrom('public', 'invite'),
    ts,
  }),
);

function specFor(room: RoomGraph, s: Exclude<Step, { kind: 'fork' }>): Omit<EventSpec, 'auth'> {
  const sender = USERS[s.sender];
  switch (s.kind) {
    case 'member':
      return {
        type: 'm.room.member',
        sender,
        stateKey: USERS[s.target],
        content: { membership: s.membership },
        ts: s.ts,
      };
    case 'topic':
      return {
        type: 'm.room.topic',
        sender,
        stateKey: '',
        content: { topic: `t${s.ts}` },
        ts: s.ts,
      };
    case 'powerLevels': {
      const [bob, carol, dave] = s.levels;
      const content = room.powerLevels({ [BOB]: bob, [CAROL]: carol, [DAVE]: dave });
      return { type: 'm.room.power_levels', sender, stateKey: '', content, ts: s.ts };
    }
    case 'joinRules':
      return {
        type: 'm.room.join_rules',
        sender,
        stateKey: '',
        content: { join_rule: s.rule },
        ts: s.ts,
      };
  }
}

/**
 * Plays `steps` onto branches of one room, each event citing the auth events its branch's state
 * selects. Events failing the auth rules are kept as rejected and leave the state alone.
 */
function buildRoom(versionId: string, steps: readonly Step[]) {
  const { room, create, state } = baseRoom(versionId);
  // Three concurrent branches from the start; `fork` steps add more.
  const branches: StateMap<string>[] = [state, new Map(state), new Map(state)];

  for (const s of steps) {
    if (s.kind === 'fork') {
      branches.push(new Map(branches[s.from % branches.length]));
      continue;
    }
    const state = branches[s.branch % branches.length];
    const spec = specFor(room, s);
    const authState: StateMap<RoomEvent> = new Map();
    for (const [type, stateKey] of authEventKeys(spec, room.version)) {
      const id = state.get(stateMapKey(type, stateKey));
      const event = id === undefined ? undefined : room.events.get(id);
      if (event) authState.set(stateMapKey(type, stateKey), event);
    }
    const event = room.add({ ...spec, auth: [...authState.values()] });
    authState.set(stateMapKey('m.room.create', ''), create);
    try {
      checkAuthRules(event, authState);
      state.set(stateMapKey(spec.type, spec.stateKey ?? ''), event.eventId);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      room.reject(event, error.message);
    }
  }
  return { room, branches };
}

describe.each([
  ['v2 (room 10)', '10'],
  ['v2.1 (room 12)', '12'],
])('resolveState on random room histories, %s', (_name, versionId) => {
  it('does not depend on the order of the state sets, nor on repeats', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 3, maxLength: 14 }),
        fc.array(fc.nat({ max: 5 }), { minLength: 2, maxLength: 4 }),
        fc.nat(),
        async (steps, picks, rotation) => {
          const { room, branches } = buildRoom(versionId, steps);
          const sets = picks.map((i) => branches[i % branches.length]);
          const resolve = (input: StateMap<string>[]) =>
            resolveState(room.version, input, room.source());
          const shift = rotation % sets.length;

          const expected = await resolve(sets);
          expect(await resolve([...sets].reverse())).toEqual(expected);
          expect(await resolve([...sets.slice(shift), ...sets.slice(0, shift)])).toEqual(expected);
          expect(await resolve([...sets, sets[shift]])).toEqual(expected);
          // Every entry the inputs agree on survives.
          for (const [key, id] of sets[0]) {
            if (sets.every((set) => set.get(key) === id)) expect(expected.get(key)).toBe(id);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
