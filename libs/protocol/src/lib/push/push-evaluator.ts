import { containsPhrase, globMatches } from './glob-match';
import { propertyAtPath } from './property-path';
import type {
  FlatRule,
  PushAction,
  PushCondition,
  PushConditionValue,
  PushTweak,
} from './push-rules';

/** What the evaluator needs to know about the recipient and the room at this event. */
export interface PushEvaluationContext {
  /** The user whose rules these are. */
  userId: string;
  /** The user's display name in this room, for `contains_display_name`. */
  displayName?: string;
  /** Joined members of the room. */
  roomMemberCount: number;
  senderPowerLevel: number;
  /** `notifications` of the room's power levels (absent keys default to 50). */
  notificationPowerLevels: Record<string, number>;
}

export interface PushRuleMatch {
  ruleId: string;
  actions: PushAction[];
}

/** Actions from older spec versions that must be ignored (spec: historical actions). */
const LEGACY_ACTIONS = new Set(['dont_notify', 'coalesce']);
const DEFAULT_NOTIFICATION_LEVEL = 50;
const MEMBER_COUNT = /^(==|<=|>=|<|>)?([0-9]+)$/;

/**
 * The first enabled rule whose conditions all hold for `event` (client event JSON), with legacy
 * actions stripped; null when none does or when the user sent the event themselves.
 */
export function evaluatePushRules(
  rules: FlatRule[],
  event: Record<string, unknown>,
  ctx: PushEvaluationContext,
): PushRuleMatch | null {
  if (event['sender'] === ctx.userId) return null;
  const rule = rules.find(
    (candidate) =>
      candidate.enabled &&
      candidate.conditions.every((condition) => conditionMatches(condition, event, ctx)),
  );
  if (!rule) return null;
  return {
    ruleId: rule.ruleId,
    actions: rule.actions.filter(
      (action) => typeof action !== 'string' || !LEGACY_ACTIONS.has(action),
    ),
  };
}

/** Whether the actions ask for a notification at all. */
export function actionsNotify(actions: PushAction[]): boolean {
  return actions.includes('notify');
}

/** The `highlight` tweak: true when given without a value, false when not given. */
export function actionsHighlight(actions: PushAction[]): boolean {
  // Later tweaks overwrite earlier ones, as they do in the tweaks sent to the push gateway.
  const tweak = actions
    .filter((action): action is PushTweak => typeof action !== 'string')
    .filter((action) => action.set_tweak === 'highlight')
    .at(-1);
  if (tweak === undefined) return false;
  return tweak.value === undefined || tweak.value === true;
}

function conditionMatches(
  condition: PushCondition,
  event: Record<string, unknown>,
  ctx: PushEvaluationContext,
): boolean {
  const { key } = condition;
  switch (condition.kind) {
    case 'event_match': {
      if (typeof key !== 'string' || typeof condition.pattern !== 'string') return false;
      const value = propertyAtPath(event, key);
      if (typeof value !== 'string') return false;
      return globMatches(condition.pattern, value, key === 'content.body' ? 'words' : 'whole');
    }
    case 'event_property_is': {
      if (typeof key !== 'string' || !isExactValue(condition.value)) return false;
      const value = propertyAtPath(event, key);
      return isExactValue(value) && value === condition.value;
    }
    case 'event_property_contains': {
      if (typeof key !== 'string' || !isExactValue(condition.value)) return false;
      const value = propertyAtPath(event, key);
      return Array.isArray(value) && value.some((item) => item === condition.value);
    }
    case 'contains_display_name': {
      const body = propertyAtPath(event, 'content.body');
      return typeof body === 'string' && !!ctx.displayName && containsPhrase(ctx.displayName, body);
    }
    case 'room_member_count':
      return memberCountMatches(condition.is, ctx.roomMemberCount);
    case 'sender_notification_permission': {
      if (typeof key !== 'string') return false;
      const required = Object.hasOwn(ctx.notificationPowerLevels, key)
        ? ctx.notificationPowerLevels[key]
        : DEFAULT_NOTIFICATION_LEVEL;
      return ctx.senderPowerLevel >= required;
    }
    default:
      return false;
  }
}

/** The spec's comparable scalars: strings, booleans, null and integers within ±(2^53−1). */
function isExactValue(value: unknown): value is PushConditionValue {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    Number.isSafeInteger(value)
  );
}

function memberCountMatches(is: unknown, count: number): boolean {
  const parsed = typeof is === 'string' ? MEMBER_COUNT.exec(is) : null;
  if (!parsed) return false;
  const wanted = Number(parsed[2]);
  switch (parsed[1]) {
    case '<':
      return count < wanted;
    case '>':
      return count > wanted;
    case '<=':
      return count <= wanted;
    case '>=':
      return count >= wanted;
    default:
      return count === wanted;
  }
}
