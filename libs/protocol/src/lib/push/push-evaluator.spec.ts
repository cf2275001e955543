import { vectorsIn } from '../../test-vectors/vectors';
import {
  actionsHighlight,
  actionsNotify,
  evaluatePushRules,
  type PushEvaluationContext,
} from './push-evaluator';
import {
  defaultPushRules,
  flattenRules,
  type FlatRule,
  type PushAction,
  type PushCondition,
} from './push-rules';

type Event = Record<string, unknown>;

const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
const ROOM = '!room:example.org';

const ctx = (overrides: Partial<PushEvaluationContext> = {}): PushEvaluationContext => ({
  userId: ALICE,
  displayName: 'Alice Smith',
  roomMemberCount: 5,
  senderPowerLevel: 0,
  notificationPowerLevels: {},
  ...overrides,
});
const event = (type: string, content: Event, extra: Event = {}): Event => ({
  type,
  content,
  sender: BOB,
  room_id: ROOM,
  event_id: '$event',
  ...extra,
});
const message = (body: string, content: Event = {}) =>
  event('m.room.message', { msgtype: 'm.text', body, ...content });
const ruleWith = (conditions: PushCondition[], actions: PushAction[] = ['notify']): FlatRule => ({
  kind: 'override',
  ruleId: 'test',
  enabled: true,
  conditions,
  actions,
});
const matches = (condition: PushCondition, ev: Event, context = ctx()) =>
  evaluatePushRules([ruleWith([condition])], ev, context) !== null;

const DEFAULT_RULES = flattenRules(defaultPushRules(ALICE));

describe('push condition vectors', () => {
  it.each(vectorsIn<{ condition: PushCondition; event: Event }, { matches: boolean }>('push/'))(
    '%s',
    (_name, vector) => {
      expect(matches(vector.input.condition, vector.input.event)).toBe(vector.expected.matches);
    },
  );
});

describe('each server-default rule on its own', () => {
  interface Case {
    event: Event;
    ctx?: Partial<PushEvaluationContext>;
  }
  const cases: [string, Case, Case][] = [
    [
      '.m.rule.suppress_notices',
      { event: message('hi', { msgtype: 'm.notice' }) },
      { event: message('hi') },
    ],
    [
      '.m.rule.invite_for_me',
      { event: event('m.room.member', { membership: 'invite' }, { state_key: ALICE }) },
      {
        event: event(
          'm.room.member',
          { membership: 'invite' },
          { state_key: '@carol:example.org' },
        ),
      },
    ],
    [
      '.m.rule.member_event',
      { event: event('m.room.member', { membership: 'join' }, { state_key: BOB }) },
      { event: message('m.room.member') },
    ],
    [
      '.m.rule.is_user_mention',
      { event: message('hello', { 'm.mentions': { user_ids: [ALICE] } }) },
      { event: message(`hello ${ALICE}`, { 'm.mentions': { user_ids: ['@carol:example.org'] } }) },
    ],
    [
      '.m.rule.contains_display_name',
      { event: message('hi alice smith!') },
      { event: message('hi Alice Smithers') },
    ],
    [
      '.m.rule.is_room_mention',
      {
        event: message('hey all', { 'm.mentions': { room: true } }),
        ctx: { senderPowerLevel: 50 },
      },
      {
        event: message('hey all', { 'm.mentions': { room: true } }),
        ctx: { senderPowerLevel: 49 },
      },
    ],
    [
      '.m.rule.roomnotif',
      {
        event: message('@room lunch'),
        ctx: { senderPowerLevel: 10, notificationPowerLevels: { room: 10 } },
      },
      { event: message('@roomy lunch'), ctx: { senderPowerLevel: 100 } },
    ],
    [
      '.m.rule.tombstone',
      { event: event('m.room.tombstone', { replacement_room: '!n:x' }, { state_key: '' }) },
      { event: event('m.room.tombstone', { replacement_room: '!n:x' }) },
    ],
    ['.m.rule.reaction', { event: event('m.reaction', {}) }, { event: message('👍') }],
    [
      '.m.rule.room.server_acl',
      { event: event('m.room.server_acl', { allow: ['*'] }, { state_key: '' }) },
      { event: event('m.room.server_acl', { allow: ['*'] }, { state_key: 'x' }) },
    ],
    [
      '.m.rule.suppress_edits',
      { event: message('* fixed', { 'm.relates_to': { rel_type: 'm.replace', event_id: '$e' } }) },
      { event: message('quote', { 'm.relates_to': { rel_type: 'm.reference', event_id: '$e' } }) },
    ],
    ['.m.rule.contains_user_name', { event: message('ask Alice.') }, { event: message('alicex') }],
    ['.m.rule.call', { event: event('m.call.invite', {}) }, { event: event('m.call.answer', {}) }],
    [
      '.m.rule.encrypted_room_one_to_one',
      { event: event('m.room.encrypted', {}), ctx: { roomMemberCount: 2 } },
      { event: event('m.room.encrypted', {}), ctx: { roomMemberCount: 3 } },
    ],
    [
      '.m.rule.room_one_to_one',
      { event: message('hi'), ctx: { roomMemberCount: 2 } },
      { event: message('hi'), ctx: { roomMemberCount: 3 } },
    ],
    [
      '.m.rule.message',
      { event: message('hi') },
      { event: event('m.room.topic', { topic: 'hi' }) },
    ],
    ['.m.rule.encrypted', { event: event('m.room.encrypted', {}) }, { event: message('hi') }],
  ];
  const only = (ruleId: string) => DEFAULT_RULES.filter((r) => r.ruleId === ruleId);

  it('covers every default rule but the master rule', () => {
    expect(cases.map(([id]) => id)).toEqual(DEFAULT_RULES.slice(1).map((r) => r.ruleId));
  });

  it.each(cases)('%s', (ruleId, hit, miss) => {
    expect(only(ruleId)).toHaveLength(1);
    expect(evaluatePushRules(only(ruleId), hit.event, ctx(hit.ctx))?.ruleId).toBe(ruleId);
    expect(evaluatePushRules(only(ruleId), miss.event, ctx(miss.ctx))).toBeNull();
  });

  it('.m.rule.master matches everything once enabled, and nothing while disabled', () => {
    const master = only('.m.rule.master');
    expect(evaluatePushRules(master, message('hi'), ctx())).toBeNull();
    const enabled = [{ ...master[0], enabled: true }];
    expect(evaluatePushRules(enabled, message('hi'), ctx())).toEqual({
      ruleId: '.m.rule.master',
      actions: [],
    });
    expect(evaluatePushRules(enabled, event('m.anything', {}), ctx())?.ruleId).toBe(
      '.m.rule.master',
    );
  });
});

describe('the full default ruleset', () => {
  it.each([
    ['a group message', message('hi'), {}, '.m.rule.message', true, false],
    [
      'a 1:1 message',
      message('hi'),
      { roomMemberCount: 2 },
      '.m.rule.room_one_to_one',
      true,
      false,
    ],
    [
      'a notice in a 1:1',
      message('hi', { msgtype: 'm.notice' }),
      { roomMemberCount: 2 },
      '.m.rule.suppress_notices',
      false,
      false,
    ],
    [
      'an edit',
      message('* hi', { 'm.relates_to': { rel_type: 'm.replace' } }),
      {},
      '.m.rule.suppress_edits',
      false,
      false,
    ],
    [
      'a body naming the localpart',
      message('alice: lunch?'),
      {},
      '.m.rule.contains_user_name',
      true,
      true,
    ],
    [
      'a mention',
      message('x', { 'm.mentions': { user_ids: [ALICE] } }),
      {},
      '.m.rule.is_user_mention',
      true,
      true,
    ],
    [
      'a topic change',
      event('m.room.topic', { topic: 'x' }, { state_key: '' }),
      {},
      null,
      false,
      false,
    ],
  ])('%s → %s', (_what, ev, context, ruleId, notify, highlight) => {
    const result = evaluatePushRules(DEFAULT_RULES, ev, ctx(context));
    expect(result?.ruleId ?? null).toBe(ruleId);
    expect(actionsNotify(result?.actions ?? [])).toBe(notify);
    expect(actionsHighlight(result?.actions ?? [])).toBe(highlight);
  });

  it('never matches the user’s own events', () => {
    const own = message('@room alice', { 'm.mentions': { user_ids: [ALICE], room: true } });
    const master = [{ ...DEFAULT_RULES[0], enabled: true }];
    expect(evaluatePushRules(DEFAULT_RULES, { ...own, sender: ALICE }, ctx())).toBeNull();
    expect(evaluatePushRules(master, { ...own, sender: ALICE }, ctx())).toBeNull();
    expect(evaluatePushRules(DEFAULT_RULES, own, ctx())?.ruleId).toBe('.m.rule.is_user_mention');
  });
});

describe('evaluatePushRules', () => {
  it('takes the first enabled rule whose conditions all hold', () => {
    const rules: FlatRule[] = [
      { ...ruleWith([], ['notify']), ruleId: 'disabled', enabled: false },
      {
        ...ruleWith([
          { kind: 'event_match', key: 'type', pattern: 'm.room.message' },
          { kind: 'room_member_count', is: '>9' },
        ]),
        ruleId: 'one-fails',
      },
      { ...ruleWith([{ kind: 'event_match', key: 'type', pattern: 'm.room.*' }]), ruleId: 'hit' },
      { ...ruleWith([]), ruleId: 'later' },
    ];
    expect(evaluatePushRules(rules, message('hi'), ctx())?.ruleId).toBe('hit');
    expect(evaluatePushRules([], message('hi'), ctx())).toBeNull();
  });

  it('strips the legacy dont_notify and coalesce actions', () => {
    const sound = { set_tweak: 'sound', value: 'default' };
    const legacy = ruleWith([], ['dont_notify', 'notify', 'coalesce', sound]);
    expect(evaluatePushRules([legacy], message('x'), ctx())?.actions).toEqual(['notify', sound]);
    const silent = evaluatePushRules([ruleWith([], ['dont_notify'])], message('x'), ctx());
    expect(silent).toEqual({ ruleId: 'test', actions: [] });
  });

  it('never matches unknown condition kinds or conditions missing their parameters', () => {
    for (const condition of [
      { kind: 'org.example.custom' },
      { kind: 'event_match', key: 'type' },
      { kind: 'event_match', pattern: '*' },
      { kind: 'event_property_is', key: 'content.body' },
      { kind: 'event_property_contains', key: 'content.list' },
      { kind: 'room_member_count' },
      { kind: 'sender_notification_permission' },
    ]) {
      expect(
        matches(condition, message('x', { list: [null] }), ctx({ senderPowerLevel: 100 })),
      ).toBe(false);
    }
  });
});

describe('conditions', () => {
  it('event_match needs a string at the key, even for `*`', () => {
    const any = (key: string): PushCondition => ({ kind: 'event_match', key, pattern: '*' });
    const ev = message('x', { n: 1, b: true, o: {}, nul: null, 'm.dotted': { k: 'v' } });
    expect(matches(any('content.body'), ev)).toBe(true);
    expect(matches(any('content.missing'), ev)).toBe(false);
    for (const key of ['content.n', 'content.b', 'content.o', 'content.nul']) {
      expect(matches(any(key), ev)).toBe(false);
    }
    expect(matches({ kind: 'event_match', key: 'content.m\\.dotted.k', pattern: 'V' }, ev)).toBe(
      true,
    );
  });

  it('event_match matches whole values outside content.body, word spans inside it', () => {
    const ev = message('lunch time', { topic: 'lunch time' });
    expect(matches({ kind: 'event_match', key: 'content.topic', pattern: 'lunch' }, ev)).toBe(
      false,
    );
    expect(matches({ kind: 'event_match', key: 'content.body', pattern: 'lunch' }, ev)).toBe(true);
    expect(matches({ kind: 'event_match', key: 'content.body', pattern: 'unch' }, ev)).toBe(false);
  });

  it.each([
    [null, null, true],
    [null, undefined, false],
    [0, 0, true],
    [0, false, false],
    [2 ** 53, 2 ** 53, false],
    [1.5, 1.5, false],
    ['', '', true],
    ['a', 'A', false],
  ])('event_property_is %j against %j is %s', (expected, actual, result) => {
    const condition = { kind: 'event_property_is', key: 'content.v', value: expected };
    const ev = message('x', actual === undefined ? {} : { v: actual });
    expect(matches(condition, ev)).toBe(result);
  });

  it.each([
    [[1, '1', null], '1', true],
    [[1, '1', null], null, true],
    [[{ a: 1 }, ['x']], 'x', false],
    ['x', 'x', false],
    [{ 0: 'x' }, 'x', false],
    [[true], 'true', false],
  ])('event_property_contains %j with %j is %s', (array, value, result) => {
    expect(
      matches(
        { kind: 'event_property_contains', key: 'content.v', value },
        message('x', { v: array }),
      ),
    ).toBe(result);
  });

  it('contains_display_name needs a display name and a string body', () => {
    const condition = { kind: 'contains_display_name' };
    expect(matches(condition, message('ALICE SMITH: hi'))).toBe(true);
    expect(matches(condition, message('alice smith'), ctx({ displayName: undefined }))).toBe(false);
    expect(matches(condition, message('hi'), ctx({ displayName: '' }))).toBe(false);
    expect(matches(condition, event('m.room.message', { body: 5 }))).toBe(false);
  });

  it.each([
    ['2', 2, true],
    ['2', 3, false],
    ['==2', 2, true],
    ['==2', 1, false],
    ['<2', 1, true],
    ['<2', 2, false],
    ['>2', 3, true],
    ['>2', 2, false],
    ['>=2', 2, true],
    ['>=2', 1, false],
    ['<=2', 2, true],
    ['<=2', 3, false],
    ['10', 10, true],
    ['=2', 2, false],
    ['=<2', 2, false],
    [' 2', 2, false],
    ['2.0', 2, false],
    ['-1', 0, false],
    ['', 0, false],
    ['>', 3, false],
  ])('room_member_count is %j with %d members is %s', (is, count, result) => {
    const condition = { kind: 'room_member_count', is };
    expect(matches(condition, message('x'), ctx({ roomMemberCount: count }))).toBe(result);
  });

  it.each([
    ['room', {}, 50, true],
    ['room', {}, 49, false],
    ['room', { room: 0 }, 0, true],
    ['room', { room: 100 }, 99, false],
    ['custom', { custom: 10 }, 10, true],
    ['custom', { room: 10 }, 10, false],
    ['constructor', {}, 50, true],
    ['constructor', {}, 49, false],
  ])(
    'sender_notification_permission %s with %j at level %d is %s',
    (key, levels, level, result) => {
      const condition = { kind: 'sender_notification_permission', key };
      const context = ctx({ notificationPowerLevels: levels, senderPowerLevel: level });
      expect(matches(condition, message('x'), context)).toBe(result);
    },
  );
});

describe('actionsNotify / actionsHighlight', () => {
  it.each<[PushAction[], boolean, boolean]>([
    [[], false, false],
    [['notify'], true, false],
    [['notify', { set_tweak: 'highlight' }], true, true],
    [['notify', { set_tweak: 'highlight', value: true }], true, true],
    [['notify', { set_tweak: 'highlight', value: false }], true, false],
    [[{ set_tweak: 'highlight' }, { set_tweak: 'highlight', value: false }], false, false],
    [[{ set_tweak: 'highlight', value: 'yes' }], false, false],
    [[{ set_tweak: 'sound', value: 'default' }], false, false],
  ])('%j → notify %s, highlight %s', (actions, notify, highlight) => {
    expect(actionsNotify(actions)).toBe(notify);
    expect(actionsHighlight(actions)).toBe(highlight);
  });
});
