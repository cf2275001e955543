import type { HomeserverConfig } from '@chat/config';
import type { Requester } from '@chat/platform';
import {
  getRoomVersion,
  RoomEvent,
  stateMapKey,
  type Pdu,
  type RoomVersion,
  type StateMap,
} from '@chat/protocol';
import type { EventStore, NewRoomEvent, PushRuleStore, StoredEvent } from '@chat/storage';

import { monolithStreamWrites } from '../common/stream-writes.fixture';
import { PushActionsCalculator, roomPushContext, threadIdOf } from './push-actions.calculator';
import { PushRulesService } from './push-rules.service';

const V10 = getRoomVersion('10') as RoomVersion;
const ROOM = '!room:example.org';
const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
const CAROL = '@carol:remote.org';
const DAVE = '@dave:example.org';

let ids = 0;

function event(
  sender: string,
  type: string,
  content: Record<string, unknown>,
  stateKey?: string,
): RoomEvent {
  const pdu = {
    type,
    room_id: ROOM,
    sender,
    origin_server_ts: 0,
    content,
    depth: 1,
    prev_events: [],
    auth_events: [],
    hashes: { sha256: '' },
    signatures: {},
    ...(stateKey === undefined ? {} : { state_key: stateKey }),
  } as Pdu;
  return new RoomEvent(pdu, V10, `$e${++ids}`);
}

function member(userId: string, membership: string, displayname?: string): RoomEvent {
  return event(userId, 'm.room.member', { membership, displayname }, userId);
}

function text(sender: string, body: string, extra: Record<string, unknown> = {}): RoomEvent {
  return event(sender, 'm.room.message', { msgtype: 'm.text', body, ...extra });
}

function stateOf(events: RoomEvent[]): StateMap<string> {
  return new Map(events.map((e) => [stateMapKey(e.type, e.stateKey as string), e.eventId]));
}

/** Alice (PL 100) and Bob here, Carol on another server, Dave gone; `@room` needs PL 100. */
function room() {
  const stateEvents = [
    event(ALICE, 'm.room.create', { creator: ALICE }, ''),
    event(
      ALICE,
      'm.room.power_levels',
      { users: { [ALICE]: 100 }, notifications: { room: 100 } },
      '',
    ),
    member(ALICE, 'join', 'Alice'),
    member(BOB, 'join', 'Bob Builder'),
    member(CAROL, 'join'),
    member(DAVE, 'leave'),
  ];
  const stored = new Map(stateEvents.map((e) => [e.eventId, { event: e } as StoredEvent]));
  const getEvents = jest.fn(
    async (wanted: readonly string[]) =>
      new Map(wanted.flatMap((id) => (stored.has(id) ? [[id, stored.get(id)]] : [])) as never),
  );
  const userRules = new Map<string, Record<string, unknown>>();
  const ruleLoads = jest.fn();
  const store = {
    getUserRules: async (userId: string) => {
      ruleLoads(userId);
      return userRules.get(userId) ?? null;
    },
    updateUserRules: async (
      userId: string,
      change: (current: Record<string, unknown> | null) => Record<string, unknown>,
    ) => {
      userRules.set(userId, change(userRules.get(userId) ?? null));
      return 1;
    },
  } as unknown as PushRuleStore;
  const pushRules = new PushRulesService(store, monolithStreamWrites());
  const calculator = new PushActionsCalculator(
    { serverName: 'example.org' } as HomeserverConfig,
    { getEvents } as unknown as EventStore,
    pushRules,
  );
  const state = stateOf(stateEvents);
  const items = (...events: RoomEvent[]): NewRoomEvent[] =>
    events.map((e) => ({ event: e, stateAfter: state }));
  return { calculator, pushRules, state, items, getEvents, ruleLoads, stateEvents };
}

function requester(userId: string): Requester {
  return { userId, deviceId: 'D', isGuest: false, accessTokenId: 1 };
}

describe('threadIdOf', () => {
  it('is the root of an m.thread relation and null for anything else', () => {
    const thread = { 'm.relates_to': { rel_type: 'm.thread', event_id: '$root' } };
    expect(threadIdOf(text(ALICE, 'in thread', thread))).toBe('$root');
    const reply = { 'm.relates_to': { 'm.in_reply_to': { event_id: '$root' } } };
    expect(threadIdOf(text(ALICE, 'reply', reply))).toBeNull();
    const edit = { 'm.relates_to': { rel_type: 'm.replace', event_id: '$root' } };
    expect(threadIdOf(text(ALICE, 'edit', edit))).toBeNull();
    expect(threadIdOf(text(ALICE, 'plain'))).toBeNull();
  });
});

describe('roomPushContext', () => {
  it('counts joined members, keeps local ones with their names and reads the notification levels', () => {
    const { state, stateEvents } = room();
    const events = new Map(stateEvents.map((e) => [e.eventId, e]));
    const context = roomPushContext(state, events, 'example.org');
    expect(context.joinedCount).toBe(3);
    expect(context.localMembers).toEqual([
      { userId: ALICE, displayName: 'Alice' },
      { userId: BOB, displayName: 'Bob Builder' },
    ]);
    expect(context.notificationPowerLevels).toEqual({ room: 100 });
    expect([...context.authState.keys()]).toEqual([
      stateMapKey('m.room.create', ''),
      stateMapKey('m.room.power_levels', ''),
    ]);
  });
});

describe('PushActionsCalculator', () => {
  it('gives a row to each local joined member but the sender', async () => {
    const { calculator, items } = room();
    const hello = text(ALICE, 'hello');
    expect(await calculator.calculate(items(hello))).toEqual([
      { eventId: hello.eventId, userId: BOB, notify: true, highlight: false, threadId: null },
    ]);
  });

  it('highlights a mention of the display name and keeps the thread', async () => {
    const { calculator, items } = room();
    const thread = { 'm.relates_to': { rel_type: 'm.thread', event_id: '$root' } };
    const mention = text(ALICE, 'ping Bob Builder', thread);
    expect(await calculator.calculate(items(mention))).toEqual([
      { eventId: mention.eventId, userId: BOB, notify: true, highlight: true, threadId: '$root' },
    ]);
  });

  it('highlights @room only from senders with the notification power level', async () => {
    const { calculator, items } = room();
    const mentions = { 'm.mentions': { room: true } };
    const fromBob = text(BOB, '@room lunch', mentions);
    const fromAlice = text(ALICE, '@room lunch', mentions);
    const rows = await calculator.calculate(items(fromBob, fromAlice));
    expect(rows.map((r) => [r.eventId, r.userId, r.highlight])).toEqual([
      [fromBob.eventId, ALICE, false],
      [fromAlice.eventId, BOB, true],
    ]);
  });

  it('notifies a local invitee and nobody about membership changes', async () => {
    const { calculator, items } = room();
    const erin = '@erin:example.org';
    const invite = event(ALICE, 'm.room.member', { membership: 'invite' }, erin);
    expect(await calculator.calculate(items(invite))).toEqual([
      { eventId: invite.eventId, userId: erin, notify: true, highlight: false, threadId: null },
    ]);
    const remote = event(ALICE, 'm.room.member', { membership: 'invite' }, '@erin:remote.org');
    expect(await calculator.calculate(items(remote))).toEqual([]);
  });

  it('sees members who joined earlier in the same batch', async () => {
    const { calculator, state } = room();
    const frank = member('@frank:example.org', 'join', 'Frank');
    const after = new Map(state).set(
      stateMapKey('m.room.member', frank.stateKey as string),
      frank.eventId,
    );
    const hi = text(ALICE, 'hi Frank');
    const rows = await calculator.calculate([
      { event: frank, stateAfter: after },
      { event: hi, stateAfter: after },
    ]);
    expect(rows.filter((r) => r.eventId === hi.eventId)).toEqual([
      { eventId: hi.eventId, userId: BOB, notify: true, highlight: false, threadId: null },
      {
        eventId: hi.eventId,
        userId: frank.stateKey,
        notify: true,
        highlight: true,
        threadId: null,
      },
    ]);
  });

  it('reads a state and each rule set once, and rules again after they change', async () => {
    const { calculator, pushRules, items, getEvents, ruleLoads } = room();
    await calculator.calculate(items(text(ALICE, 'one')));
    await calculator.calculate(items(text(ALICE, 'two')));
    expect(getEvents).toHaveBeenCalledTimes(1);
    expect(ruleLoads.mock.calls).toEqual([[BOB]]);

    await pushRules.setAttribute(requester(BOB), 'override', '.m.rule.master', 'enabled', {
      enabled: true,
    });
    expect(await calculator.calculate(items(text(ALICE, 'three')))).toEqual([]);
  });
});
