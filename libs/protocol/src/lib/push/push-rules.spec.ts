import {
  defaultPushRules,
  flattenRules,
  mergeRulesets,
  PUSH_RULE_KINDS,
  type PushRule,
  type Ruleset,
} from './push-rules';

const ALICE = '@alice:example.org';
const ids = (rules: { rule_id: string }[]) => rules.map((r) => r.rule_id);

describe('defaultPushRules', () => {
  const defaults = defaultPushRules(ALICE);

  it('lists the server-default rules of each kind in the spec order (plus the legacy three)', () => {
    expect(ids(defaults.override)).toEqual([
      '.m.rule.master',
      '.m.rule.suppress_notices',
      '.m.rule.invite_for_me',
      '.m.rule.member_event',
      '.m.rule.is_user_mention',
      '.m.rule.contains_display_name',
      '.m.rule.is_room_mention',
      '.m.rule.roomnotif',
      '.m.rule.tombstone',
      '.m.rule.reaction',
      '.m.rule.room.server_acl',
      '.m.rule.suppress_edits',
    ]);
    expect(ids(defaults.content)).toEqual(['.m.rule.contains_user_name']);
    expect(defaults.room).toEqual([]);
    expect(defaults.sender).toEqual([]);
    expect(ids(defaults.underride)).toEqual([
      '.m.rule.call',
      '.m.rule.encrypted_room_one_to_one',
      '.m.rule.room_one_to_one',
      '.m.rule.message',
      '.m.rule.encrypted',
    ]);
  });

  it('marks every rule as default and enabled, except the disabled master rule', () => {
    const all = PUSH_RULE_KINDS.flatMap((kind) => defaults[kind]);
    expect(all.every((r) => r.default)).toBe(true);
    expect(all.filter((r) => !r.enabled).map((r) => r.rule_id)).toEqual(['.m.rule.master']);
  });

  it('writes rules exactly as the spec defines them, with the user filled in', () => {
    const byId = (id: string) => defaults.override.find((r) => r.rule_id === id);
    expect(byId('.m.rule.master')).toEqual({
      rule_id: '.m.rule.master',
      default: true,
      enabled: false,
      conditions: [],
      actions: [],
    });
    expect(byId('.m.rule.invite_for_me')?.conditions).toEqual([
      { kind: 'event_match', key: 'type', pattern: 'm.room.member' },
      { kind: 'event_match', key: 'content.membership', pattern: 'invite' },
      { kind: 'event_match', key: 'state_key', pattern: ALICE },
    ]);
    expect(byId('.m.rule.is_user_mention')).toEqual({
      rule_id: '.m.rule.is_user_mention',
      default: true,
      enabled: true,
      conditions: [
        { kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: ALICE },
      ],
      actions: ['notify', { set_tweak: 'sound', value: 'default' }, { set_tweak: 'highlight' }],
    });
    expect(byId('.m.rule.is_room_mention')?.conditions).toEqual([
      { kind: 'event_property_is', key: 'content.m\\.mentions.room', value: true },
      { kind: 'sender_notification_permission', key: 'room' },
    ]);
    expect(byId('.m.rule.suppress_edits')?.conditions).toEqual([
      { kind: 'event_property_is', key: 'content.m\\.relates_to.rel_type', value: 'm.replace' },
    ]);
    expect(defaults.content[0]).toEqual({
      rule_id: '.m.rule.contains_user_name',
      default: true,
      enabled: true,
      pattern: 'alice',
      actions: ['notify', { set_tweak: 'sound', value: 'default' }, { set_tweak: 'highlight' }],
    });
    expect(defaults.underride[0].actions).toEqual([
      'notify',
      { set_tweak: 'sound', value: 'ring' },
    ]);
    expect(defaults.content[0]).not.toHaveProperty('conditions');
    expect(defaults.underride[0]).not.toHaveProperty('pattern');
  });

  it('returns fresh objects on every call', () => {
    const first = defaultPushRules(ALICE);
    first.override[1].actions.push('notify');
    first.underride[3].actions.push({ set_tweak: 'highlight' });
    expect(defaultPushRules(ALICE)).toEqual(defaults);
  });

  it('rejects an invalid user id', () => {
    expect(() => defaultPushRules('alice')).toThrow('Invalid user id');
  });
});

describe('mergeRulesets', () => {
  const userRule = (ruleId: string, extra: Partial<PushRule> = {}): PushRule => ({
    rule_id: ruleId,
    default: false,
    enabled: true,
    actions: ['notify'],
    ...extra,
  });

  it('puts user rules before the defaults of their kind, but after the master rule', () => {
    const merged = mergeRulesets(defaultPushRules(ALICE), {
      override: [userRule('mine-1', { conditions: [] }), userRule('mine-2', { conditions: [] })],
      content: [userRule('tea', { pattern: 'tea' })],
      room: [userRule('!room:example.org')],
      sender: [userRule('@bob:example.org')],
      underride: [userRule('last', { conditions: [] })],
    });
    expect(ids(merged.override).slice(0, 4)).toEqual([
      '.m.rule.master',
      'mine-1',
      'mine-2',
      '.m.rule.suppress_notices',
    ]);
    expect(ids(merged.content)).toEqual(['tea', '.m.rule.contains_user_name']);
    expect(ids(merged.room)).toEqual(['!room:example.org']);
    expect(ids(merged.sender)).toEqual(['@bob:example.org']);
    expect(ids(merged.underride)[0]).toBe('last');
    expect(merged.underride).toHaveLength(6);
  });

  it("applies the user's enabled and actions to a default in place, and drops unknown defaults", () => {
    const defaults = defaultPushRules(ALICE);
    const merged = mergeRulesets(defaults, {
      override: [
        userRule('.m.rule.master', { enabled: true, actions: [], conditions: [{ kind: 'x' }] }),
        userRule('.m.rule.gone', { conditions: [] }),
      ],
      underride: [userRule('.m.rule.message', { enabled: false, actions: [] })],
    });
    expect(merged.override[0]).toEqual({ ...defaults.override[0], enabled: true, actions: [] });
    expect(ids(merged.override)).toEqual(ids(defaults.override));
    expect(merged.underride[3]).toMatchObject({
      rule_id: '.m.rule.message',
      default: true,
      enabled: false,
      actions: [],
      conditions: defaults.underride[3].conditions,
    });
    expect(defaults.override[0].enabled).toBe(false);
  });

  it('returns the defaults unchanged for a user without rules', () => {
    expect(mergeRulesets(defaultPushRules(ALICE), {})).toEqual(defaultPushRules(ALICE));
  });
});

describe('flattenRules', () => {
  const ruleset: Ruleset = {
    override: [{ rule_id: 'o', default: false, enabled: true, actions: [] }],
    content: [
      { rule_id: 'c', default: false, enabled: false, pattern: 'tea', actions: ['notify'] },
      { rule_id: 'no-pattern', default: false, enabled: true, actions: ['notify'] },
    ],
    room: [{ rule_id: '!r:example.org', default: false, enabled: true, actions: [] }],
    sender: [{ rule_id: '@b*:example.org', default: false, enabled: true, actions: [] }],
    underride: [
      {
        rule_id: 'u',
        default: false,
        enabled: true,
        conditions: [{ kind: 'room_member_count', is: '2' }],
        actions: [],
      },
    ],
  };

  it('lists the kinds in evaluation order with their implicit conditions made explicit', () => {
    expect(flattenRules(ruleset)).toEqual([
      { kind: 'override', ruleId: 'o', enabled: true, conditions: [], actions: [] },
      {
        kind: 'content',
        ruleId: 'c',
        enabled: false,
        conditions: [{ kind: 'event_match', key: 'content.body', pattern: 'tea' }],
        actions: ['notify'],
      },
      {
        kind: 'room',
        ruleId: '!r:example.org',
        enabled: true,
        conditions: [{ kind: 'event_property_is', key: 'room_id', value: '!r:example.org' }],
        actions: [],
      },
      {
        kind: 'sender',
        ruleId: '@b*:example.org',
        enabled: true,
        conditions: [{ kind: 'event_property_is', key: 'sender', value: '@b*:example.org' }],
        actions: [],
      },
      {
        kind: 'underride',
        ruleId: 'u',
        enabled: true,
        conditions: [{ kind: 'room_member_count', is: '2' }],
        actions: [],
      },
    ]);
  });
});
