import { parseUserId } from '../identifiers';

/** Rule kinds in the order they are checked (spec client-server-api#push-rules). */
export const PUSH_RULE_KINDS = ['override', 'content', 'room', 'sender', 'underride'] as const;
export type PushRuleKind = (typeof PUSH_RULE_KINDS)[number];

/** `{"set_tweak": "sound", "value": "default"}`; `highlight` without a value means true. */
export interface PushTweak {
  set_tweak: string;
  value?: unknown;
}

/** `"notify"`, a tweak, or an action the evaluator ignores (legacy or unknown). */
export type PushAction = string | PushTweak;

/** A scalar that `event_property_is` / `event_property_contains` compare exactly. */
export type PushConditionValue = string | number | boolean | null;

/** Fields per `kind` as in the spec's PushCondition schema; unknown kinds never match. */
export interface PushCondition {
  kind: string;
  key?: string;
  pattern?: string;
  is?: string;
  value?: PushConditionValue;
}

/** A rule as the spec's PushRule schema has it (the shape `GET /pushrules/` returns). */
export interface PushRule {
  rule_id: string;
  default: boolean;
  enabled: boolean;
  actions: PushAction[];
  /** override and underride rules only. */
  conditions?: PushCondition[];
  /** content rules only: a glob matched against `content.body` on word boundaries. */
  pattern?: string;
}

export type Ruleset = Record<PushRuleKind, PushRule[]>;

/** A rule reduced to explicit conditions, ready for the evaluator. */
export interface FlatRule {
  kind: PushRuleKind;
  ruleId: string;
  enabled: boolean;
  conditions: PushCondition[];
  actions: PushAction[];
}

export const MASTER_RULE_ID = '.m.rule.master';

const NOTIFY_SOUND_HIGHLIGHT: PushAction[] = [
  'notify',
  { set_tweak: 'sound', value: 'default' },
  { set_tweak: 'highlight' },
];
const NOTIFY_HIGHLIGHT: PushAction[] = ['notify', { set_tweak: 'highlight' }];
const NOTIFY_SOUND: PushAction[] = ['notify', { set_tweak: 'sound', value: 'default' }];

/** Server-default rule ids start with a dot; user rules may not. */
export function isServerDefaultRuleId(ruleId: string): boolean {
  return ruleId.startsWith('.');
}

/**
 * The server-default rules for `userId`, in the spec's order (v1.19). Also kept, as Synapse
 * still serves them and older clients expect them (protocol.md §6.9): the legacy body-mention
 * rules removed in v1.17, `.m.rule.contains_display_name`, `.m.rule.roomnotif` and content
 * `.m.rule.contains_user_name`. Fresh objects on every call, so callers may change them.
 */
export function defaultPushRules(userId: string): Ruleset {
  const user = parseUserId(userId);
  if (!user) throw new Error(`Invalid user id for push rules: ${userId}`);
  const typeIs = (type: string) => match('type', type);
  const stateKeyEmpty = match('state_key', '');
  const memberCountTwo: PushCondition = { kind: 'room_member_count', is: '2' };
  const roomPermission: PushCondition = { kind: 'sender_notification_permission', key: 'room' };
  return {
    override: [
      { ...rule(MASTER_RULE_ID, [], []), enabled: false },
      rule('.m.rule.suppress_notices', [match('content.msgtype', 'm.notice')], []),
      rule(
        '.m.rule.invite_for_me',
        [
          typeIs('m.room.member'),
          match('content.membership', 'invite'),
          match('state_key', userId),
        ],
        NOTIFY_SOUND,
      ),
      rule('.m.rule.member_event', [typeIs('m.room.member')], []),
      rule(
        '.m.rule.is_user_mention',
        [{ kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: userId }],
        NOTIFY_SOUND_HIGHLIGHT,
      ),
      rule(
        '.m.rule.contains_display_name',
        [{ kind: 'contains_display_name' }],
        NOTIFY_SOUND_HIGHLIGHT,
      ),
      rule(
        '.m.rule.is_room_mention',
        [
          { kind: 'event_property_is', key: 'content.m\\.mentions.room', value: true },
          roomPermission,
        ],
        NOTIFY_HIGHLIGHT,
      ),
      rule('.m.rule.roomnotif', [match('content.body', '@room'), roomPermission], NOTIFY_HIGHLIGHT),
      rule('.m.rule.tombstone', [typeIs('m.room.tombstone'), stateKeyEmpty], NOTIFY_HIGHLIGHT),
      rule('.m.rule.reaction', [typeIs('m.reaction')], []),
      rule('.m.rule.room.server_acl', [typeIs('m.room.server_acl'), stateKeyEmpty], []),
      rule(
        '.m.rule.suppress_edits',
        [{ kind: 'event_property_is', key: 'content.m\\.relates_to.rel_type', value: 'm.replace' }],
        [],
      ),
    ],
    content: [
      {
        rule_id: '.m.rule.contains_user_name',
        default: true,
        enabled: true,
        pattern: user.localpart,
        actions: structuredClone(NOTIFY_SOUND_HIGHLIGHT),
      },
    ],
    room: [],
    sender: [],
    underride: [
      rule(
        '.m.rule.call',
        [typeIs('m.call.invite')],
        ['notify', { set_tweak: 'sound', value: 'ring' }],
      ),
      rule(
        '.m.rule.encrypted_room_one_to_one',
        [memberCountTwo, typeIs('m.room.encrypted')],
        NOTIFY_SOUND,
      ),
      rule('.m.rule.room_one_to_one', [memberCountTwo, typeIs('m.room.message')], NOTIFY_SOUND),
      rule('.m.rule.message', [typeIs('m.room.message')], ['notify']),
      rule('.m.rule.encrypted', [typeIs('m.room.encrypted')], ['notify']),
    ],
  };
}

/**
 * The user's effective rules. Within each kind the user's own rules come first, in their order,
 * then the server defaults, except that `.m.rule.master` always stays first. A user entry whose
 * id is a server-default id carries the user's `enabled` and `actions` for that default (the
 * only parts a client may change); one naming no current default is dropped.
 */
export function mergeRulesets(defaults: Ruleset, user: Partial<Ruleset>): Ruleset {
  const merged = {} as Ruleset;
  for (const kind of PUSH_RULE_KINDS) {
    const userRules = user[kind] ?? [];
    const changes = new Map(
      userRules.filter((r) => isServerDefaultRuleId(r.rule_id)).map((r) => [r.rule_id, r]),
    );
    const own = userRules.filter((r) => !isServerDefaultRuleId(r.rule_id));
    const serverRules = defaults[kind].map((defaultRule) => {
      const change = changes.get(defaultRule.rule_id);
      return change
        ? { ...defaultRule, enabled: change.enabled, actions: change.actions }
        : defaultRule;
    });
    const master = serverRules.filter((r) => r.rule_id === MASTER_RULE_ID);
    const rest = serverRules.filter((r) => r.rule_id !== MASTER_RULE_ID);
    merged[kind] = [...master, ...own, ...rest];
  }
  return merged;
}

/**
 * All rules in evaluation order, with the implicit conditions of content, room and sender rules
 * made explicit. A content rule without a pattern can never match and is left out.
 */
export function flattenRules(ruleset: Ruleset): FlatRule[] {
  return PUSH_RULE_KINDS.flatMap((kind) =>
    ruleset[kind].flatMap((pushRule): FlatRule[] => {
      const conditions = implicitConditions(kind, pushRule);
      if (!conditions) return [];
      const { rule_id: ruleId, enabled, actions } = pushRule;
      return [{ kind, ruleId, enabled, conditions, actions }];
    }),
  );
}

function implicitConditions(kind: PushRuleKind, pushRule: PushRule): PushCondition[] | null {
  switch (kind) {
    case 'override':
    case 'underride':
      return pushRule.conditions ?? [];
    case 'content':
      return typeof pushRule.pattern === 'string'
        ? [match('content.body', pushRule.pattern)]
        : null;
    // Room and user ids are compared exactly: a glob would read `*` or `?` in a historical
    // localpart as a wildcard, and ids are case-sensitive.
    case 'room':
      return [{ kind: 'event_property_is', key: 'room_id', value: pushRule.rule_id }];
    case 'sender':
      return [{ kind: 'event_property_is', key: 'sender', value: pushRule.rule_id }];
  }
}

function match(key: string, pattern: string): PushCondition {
  return { kind: 'event_match', key, pattern };
}

function rule(ruleId: string, conditions: PushCondition[], actions: PushAction[]): PushRule {
  return {
    rule_id: ruleId,
    default: true,
    enabled: true,
    conditions,
    actions: structuredClone(actions),
  };
}
