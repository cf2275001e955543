import { getRoomVersion, type RoomVersion } from '../events/room-versions';
import { stateMapKey, type StateMap } from '../events/state-map';
import type { RoomEvent } from '../events/room-event';
import { resolveState } from './state-resolution';
import { makeEvent } from '../auth/testing/event-factory';
import {
  ALICE,
  BOB,
  CAROL,
  DAVE,
  EVE,
  FRANK,
  baseRoom,
  permutations,
  sourceOf,
  stateOf,
  type RoomGraph,
} from './testing/room-graph';

const V2_ROOM = '11';
const V21_ROOM = '12';
const BOTH = [
  ['v2 (room 11)', V2_ROOM],
  ['v2.1 (room 12)', V21_ROOM],
] as const;

const POWER_LEVELS = stateMapKey('m.room.power_levels', '');
const JOIN_RULES = stateMapKey('m.room.join_rules', '');
const TOPIC = stateMapKey('m.room.topic', '');

function roomVersion(id: string): RoomVersion {
  const version = getRoomVersion(id);
  if (!version) throw new Error(`unknown room version ${id}`);
  return version;
}

/** `base` with `events` written over it. */
function withEvents(base: StateMap<string>, ...events: RoomEvent[]): StateMap<string> {
  return new Map([...base, ...stateOf(...events)]);
}

/** Resolves every ordering of `sets`, checks they agree, and returns the answer. */
async function resolveEveryOrder(
  room: RoomGraph,
  sets: StateMap<string>[],
): Promise<StateMap<string>> {
  const results = await Promise.all(
    permutations(sets).map((order) => resolveState(room.version, order, room.source())),
  );
  for (const result of results.slice(1)) expect(result).toEqual(results[0]);
  return results[0];
}

describe('resolveState', () => {
  describe('fast paths and limits', () => {
    const version = roomVersion(V2_ROOM);

    it('refuses room version 1', async () => {
      const v1 = roomVersion('1');
      await expect(resolveState(v1, [], { getEvents: jest.fn() })).rejects.toThrow(
        'state resolution v1 is not supported yet',
      );
    });

    it('resolves no state sets to an empty map without fetching', async () => {
      const getEvents = jest.fn();
      expect(await resolveState(version, [], { getEvents })).toEqual(new Map());
      expect(getEvents).not.toHaveBeenCalled();
    });

    it('returns a single set, or equal sets, unchanged without fetching', async () => {
      const { state } = baseRoom(V2_ROOM);
      const getEvents = jest.fn();
      expect(await resolveState(version, [state], { getEvents })).toEqual(state);
      expect(await resolveState(version, [state, new Map(state)], { getEvents })).toEqual(state);
      expect(getEvents).not.toHaveBeenCalled();
    });

    it('fetches the auth chains level by level, each event once', async () => {
      const { room, create, pl0, ja, jr, jb } = baseRoom(V2_ROOM);
      const leave = room.member(BOB, BOB, 'leave', [create, pl0, jb]);
      await resolveState(version, [stateOf(jb), stateOf(leave)], room.source());
      const rounds = room.fetched.map((ids) => new Set(ids));
      expect(rounds).toEqual([
        new Set([jb.eventId, leave.eventId]),
        new Set([create.eventId, pl0.eventId, jr.eventId]),
        new Set([ja.eventId]),
      ]);
    });

    it('gives up with a clear error when the auth chains exceed the bound', async () => {
      const { room, create, pl0, ja, state } = baseRoom(V2_ROOM);
      const topic = room.topic(ALICE, 'other', [create, pl0, ja]);
      const sets = [state, withEvents(state, topic)];
      await expect(resolveState(version, sets, room.source(), { maxEvents: 5 })).rejects.toThrow(
        'state resolution aborted: the auth chains exceed 5 events',
      );
    });

    it('leaves out conflicted events the source does not have', async () => {
      const { room, state } = baseRoom(V2_ROOM);
      const sets = [state, new Map([...state, [TOPIC, '$unknown']])];
      const resolved = await resolveEveryOrder(room, sets);
      expect(resolved).toEqual(state);
    });
  });

  describe.each(BOTH)('%s', (_name, versionId) => {
    it('applies a ban before the banned user’s concurrent topic change', async () => {
      const { room, create, pl0, ja, jb, state } = baseRoom(versionId);
      const ban = room.member(ALICE, BOB, 'ban', [create, pl0, ja, jb]);
      const topic = room.topic(BOB, 'bob was here', [create, pl0, jb]);
      const resolved = await resolveEveryOrder(room, [
        withEvents(state, ban),
        withEvents(state, topic),
      ]);
      expect(resolved).toEqual(withEvents(state, ban));
    });

    it('applies the higher-powered PL change first, whatever the timestamps', async () => {
      const { room, create, pl0, ja, jb, state } = baseRoom(versionId);
      const demote = room.powerLevelsEvent(
        ALICE,
        room.powerLevels({ [BOB]: 0, [CAROL]: 50, [DAVE]: 100 }),
        [create, pl0, ja],
        5_000,
      );
      const bobChange = room.powerLevelsEvent(
        BOB,
        room.powerLevels(
          { [BOB]: 50, [CAROL]: 50, [DAVE]: 100 },
          { events: { 'm.room.topic': 40 } },
        ),
        [create, pl0, jb],
        4_000,
      );
      const resolved = await resolveEveryOrder(room, [
        withEvents(state, demote),
        withEvents(state, bobChange),
      ]);
      expect(resolved.get(POWER_LEVELS)).toBe(demote.eventId);
    });

    describe('PL changes by equally powerful senders', () => {
      function competingChanges(bobTs: number, carolTs: number) {
        const { room, create, pl0, jb, jc, state } = baseRoom(versionId);
        const users = { [BOB]: 50, [CAROL]: 50, [DAVE]: 100 };
        const change = (sender: string, level: number, auth: RoomEvent[], ts: number) =>
          room.powerLevelsEvent(
            sender,
            room.powerLevels(users, { events: { 'm.room.topic': level } }),
            auth,
            ts,
          );
        const bob = change(BOB, 40, [create, pl0, jb], bobTs);
        const carol = change(CAROL, 30, [create, pl0, jc], carolTs);
        return { room, bob, carol, sets: [withEvents(state, bob), withEvents(state, carol)] };
      }

      it('replays the older one first, so the newer one wins', async () => {
        const late = competingChanges(6_000, 5_000);
        expect((await resolveEveryOrder(late.room, late.sets)).get(POWER_LEVELS)).toBe(
          late.bob.eventId,
        );
        const early = competingChanges(5_000, 6_000);
        expect((await resolveEveryOrder(early.room, early.sets)).get(POWER_LEVELS)).toBe(
          early.carol.eventId,
        );
      });

      it('breaks a timestamp tie by event id: the larger id is replayed last and wins', async () => {
        const { room, bob, carol, sets } = competingChanges(5_000, 5_000);
        const larger = bob.eventId > carol.eventId ? bob : carol;
        expect((await resolveEveryOrder(room, sets)).get(POWER_LEVELS)).toBe(larger.eventId);
      });
    });

    it('keeps a rejoin after a leave', async () => {
      const { room, create, pl0, jr, jb, state } = baseRoom(versionId);
      const leave = room.member(BOB, BOB, 'leave', [create, pl0, jb]);
      const rejoin = room.member(BOB, BOB, 'join', [create, pl0, jr, leave]);
      const resolved = await resolveEveryOrder(room, [
        state,
        withEvents(state, leave),
        withEvents(state, rejoin),
      ]);
      expect(resolved).toEqual(withEvents(state, rejoin));
    });

    it('orders events with no mainline ancestor before those off the oldest one (ruma#2480)', async () => {
      const { room, create, ja, pl0, state } = baseRoom(versionId);
      const users = { [BOB]: 50, [CAROL]: 50, [DAVE]: 100 };
      // Sent before any power levels existed, but stamped later than `oldest`.
      const noAncestor = room.topic(ALICE, 'before power levels', [create, ja], 9_000);
      const oldest = room.topic(ALICE, 'under the first power levels', [create, pl0, ja], 8_000);
      const pl1 = room.powerLevelsEvent(ALICE, room.powerLevels(users, { ban: 60 }), [
        create,
        pl0,
        ja,
      ]);
      const pl2 = room.powerLevelsEvent(ALICE, room.powerLevels(users, { ban: 70 }), [
        create,
        pl1,
        ja,
      ]);
      const resolved = await resolveEveryOrder(room, [
        withEvents(state, pl2, noAncestor),
        withEvents(state, pl1, oldest),
      ]);
      expect(resolved).toEqual(withEvents(state, pl2, oldest));
    });

    it('replays power events from the auth difference that no state set holds', async () => {
      const { room, create, pl0, ja, jb, je, state } = baseRoom(versionId);
      // One side: Alice bans Eve, then Bob lifts the ban. The ban itself is in no state set.
      const ban = room.member(ALICE, EVE, 'ban', [create, pl0, ja, je]);
      const unban = room.member(BOB, EVE, 'leave', [create, pl0, jb, ban]);
      // Other side: Alice takes Bob's power away, so his unban cannot stand.
      const demote = room.powerLevelsEvent(
        ALICE,
        room.powerLevels({ [BOB]: 0, [CAROL]: 50, [DAVE]: 100 }),
        [create, pl0, ja],
      );
      const resolved = await resolveEveryOrder(room, [
        withEvents(state, unban),
        withEvents(state, demote),
      ]);
      expect(resolved).toEqual(withEvents(state, demote, ban));
    });

    it('replays the auth events of a power event before it, so a kick is not undone', async () => {
      const { room, create, pl0, jb, je, state } = baseRoom(versionId);
      // Eve's join is the conflicted entry the kick superseded; it must not be replayed after it.
      const kick = room.member(BOB, EVE, 'leave', [create, pl0, jb, je]);
      const resolved = await resolveEveryOrder(room, [state, withEvents(state, kick)]);
      expect(resolved).toEqual(withEvents(state, kick));
    });

    it('ranks a PL event by its sender’s level in its auth events, not its own content', async () => {
      const { room, create, pl0, jb, jd, jr, state } = baseRoom(versionId);
      // Dave (100) demotes himself and Bob to 0, stamped later than Bob's join-rules change.
      const daveChange = room.powerLevelsEvent(
        DAVE,
        room.powerLevels({ [BOB]: 0, [CAROL]: 50, [DAVE]: 0 }),
        [create, pl0, jd],
        6_000,
      );
      const bobRules = room.joinRules(BOB, 'invite', [create, pl0, jb], 5_000);
      const resolved = await resolveEveryOrder(room, [
        withEvents(state, daveChange),
        withEvents(state, bobRules),
      ]);
      expect(resolved.get(POWER_LEVELS)).toBe(daveChange.eventId);
      expect(resolved.get(JOIN_RULES)).toBe(jr.eventId);
    });

    it('lets unconflicted entries win over anything replayed', async () => {
      const { room, create, pl0, ja, jr, state } = baseRoom(versionId);
      const users = { [BOB]: 50, [CAROL]: 50, [DAVE]: 100 };
      const agreed = room.powerLevelsEvent(ALICE, room.powerLevels(users, { kick: 60 }), [
        create,
        pl0,
        ja,
      ]);
      // A PL event only one side's auth chains know of; it passes when replayed.
      const sideline = room.powerLevelsEvent(ALICE, room.powerLevels(users, { kick: 70 }), [
        create,
        pl0,
        ja,
      ]);
      const frank = room.member(FRANK, FRANK, 'join', [create, sideline, jr]);
      const resolved = await resolveEveryOrder(room, [
        withEvents(state, agreed, frank),
        withEvents(state, agreed),
      ]);
      expect(resolved).toEqual(withEvents(state, agreed, frank));
    });

    it('never admits a rejected event into the resolved state', async () => {
      const { room, create, pl0, ja, state } = baseRoom(versionId);
      const rejected = room.reject(room.topic(ALICE, 'rejected', [create, pl0, ja]));
      const resolved = await resolveEveryOrder(room, [state, withEvents(state, rejected)]);
      expect(resolved).toEqual(state);
    });

    it('never builds an auth state from a rejected auth event', async () => {
      const { room, create, pl0, ja, je, state } = baseRoom(versionId);
      const users = { [BOB]: 50, [CAROL]: 50, [DAVE]: 100, [EVE]: 50 };
      const promote = room.reject(
        room.powerLevelsEvent(ALICE, room.powerLevels(users), [create, pl0, ja]),
      );
      const eveTopic = room.topic(EVE, 'eve was here', [create, promote, je]);
      const resolved = await resolveEveryOrder(room, [state, withEvents(state, eveTopic)]);
      expect(resolved).toEqual(state);
    });
  });

  describe('where v2 and v2.1 differ (MSC4297)', () => {
    /**
     * Problem A: one side holds a stale join-rules event; both agree Alice, who set both join
     * rules, has since left. v2 replays the rules onto "Alice left" and loses them both.
     */
    function staleJoinRules(versionId: string) {
      const { room, create, pl0, ja, jr, state } = baseRoom(versionId);
      const invite = room.joinRules(ALICE, 'invite', [create, pl0, ja]);
      const leave = room.member(ALICE, ALICE, 'leave', [create, pl0, ja]);
      const sets = [withEvents(state, jr, leave), withEvents(state, invite, leave)];
      return { room, sets, invite, leave, state };
    }

    it('v2 loses the join rules (a state reset)', async () => {
      const { room, sets, leave, state } = staleJoinRules(V2_ROOM);
      const resolved = await resolveEveryOrder(room, sets);
      const expected = withEvents(state, leave);
      expected.delete(JOIN_RULES);
      expect(resolved).toEqual(expected);
    });

    it('v2.1 replays them onto their own auth events and keeps the newer', async () => {
      const { room, sets, invite, leave, state } = staleJoinRules(V21_ROOM);
      expect(await resolveEveryOrder(room, sets)).toEqual(withEvents(state, invite, leave));
    });

    /**
     * Problem B: Alice promotes Bob, Bob promotes Carol; one side holds the stale first PL event.
     * Both sides' auth chains hold Bob's promotion, so it is not in the auth difference — only
     * v2.1's conflicted subgraph replays it before Bob's own change.
     */
    function stalePowerLevels(versionId: string) {
      const { room, create, pl0, ja, jb, jr, state } = baseRoom(versionId);
      const promoteBob = room.powerLevelsEvent(
        ALICE,
        room.powerLevels({ [BOB]: 75, [CAROL]: 50, [DAVE]: 100 }),
        [create, pl0, ja],
      );
      const promoteCarol = room.powerLevelsEvent(
        BOB,
        room.powerLevels({ [BOB]: 75, [CAROL]: 60, [DAVE]: 100 }),
        [create, promoteBob, jb],
      );
      const frank = room.member(FRANK, FRANK, 'join', [create, promoteCarol, jr]);
      const sets = [withEvents(state, pl0, frank), withEvents(state, promoteCarol, frank)];
      return { room, sets, pl0, promoteCarol, frank, state };
    }

    it('v2 falls back to the stale power levels', async () => {
      const { room, sets, pl0, frank, state } = stalePowerLevels(V2_ROOM);
      expect(await resolveEveryOrder(room, sets)).toEqual(withEvents(state, pl0, frank));
    });

    it('v2.1 replays the promotion chain and keeps the newest power levels', async () => {
      const { room, sets, promoteCarol, frank, state } = stalePowerLevels(V21_ROOM);
      expect(await resolveEveryOrder(room, sets)).toEqual(withEvents(state, promoteCarol, frank));
    });
  });

  it('survives a forged auth cycle (v2 rooms have opaque event ids)', async () => {
    const version = roomVersion('2');
    const events = new Map<string, RoomEvent>();
    const add = (
      eventId: string,
      type: string,
      content: Record<string, unknown>,
      authEvents: string[],
    ) => {
      const event = makeEvent(
        {
          eventId,
          type,
          sender: ALICE,
          stateKey: type === 'm.room.member' ? ALICE : '',
          content,
          authEvents,
          prevEvents: [],
          roomId: '!room:a.test',
        },
        version,
      );
      events.set(eventId, event);
      return event;
    };
    const create = add('$create:a.test', 'm.room.create', { creator: ALICE }, []);
    const join = add('$join:a.test', 'm.room.member', { membership: 'join' }, [create.eventId]);
    const levels = { users: { [ALICE]: 100 } };
    const auth = [create.eventId, join.eventId];
    const pl1 = add('$pl1:a.test', 'm.room.power_levels', levels, [...auth, '$pl2:a.test']);
    const pl2 = add('$pl2:a.test', 'm.room.power_levels', levels, [...auth, pl1.eventId]);
    const topic = add('$topic:a.test', 'm.room.topic', { topic: 'hi' }, [...auth, pl1.eventId]);

    const resolved = await resolveState(
      version,
      [stateOf(create, join, pl1, topic), stateOf(create, join, pl2)],
      sourceOf(events),
    );
    // The cyclic PL events never become ready in the topological sort; the topic still resolves.
    expect(resolved).toEqual(stateOf(create, join, topic));
  });

  it('gives v12 creators infinite power when ordering, beyond any listed level', async () => {
    const { room, create, pl0, ja, jd, state } = baseRoom(V21_ROOM);
    // Dave (100) and Alice (creator) each change the ban level. Dave's is older, so were Alice
    // only at 100 hers would be replayed last and win; as a creator she ranks first.
    const users = { [BOB]: 50, [CAROL]: 50, [DAVE]: 100 };
    const alice = room.powerLevelsEvent(
      ALICE,
      room.powerLevels(users, { ban: 60 }),
      [create, pl0, ja],
      5_000,
    );
    const dave = room.powerLevelsEvent(
      DAVE,
      room.powerLevels(users, { ban: 70 }),
      [create, pl0, jd],
      4_000,
    );
    const resolved = await resolveEveryOrder(room, [
      withEvents(state, alice),
      withEvents(state, dave),
    ]);
    expect(resolved.get(POWER_LEVELS)).toBe(dave.eventId);
  });
});
