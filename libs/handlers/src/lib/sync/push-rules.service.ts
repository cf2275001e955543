import { Injectable } from '@nestjs/common';

import type { Requester } from '@chat/platform';
import {
  defaultPushRules,
  isServerDefaultRuleId,
  MatrixError,
  mergeRulesets,
  PUSH_RULE_KINDS,
  type PushAction,
  type PushCondition,
  type PushRule,
  type PushRuleKind,
  type Ruleset,
} from '@chat/protocol';
import { PushRuleStore } from '@chat/storage';

type UserRules = Partial<Ruleset>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseActions(value: unknown): PushAction[] {
  if (value === undefined) throw MatrixError.missingParam('Missing actions');
  const ok =
    Array.isArray(value) &&
    value.every(
      (a) => typeof a === 'string' || (isObject(a) && typeof a['set_tweak'] === 'string'),
    );
  if (!ok) throw MatrixError.badJson('actions must be a list of strings and tweak objects');
  return value as PushAction[];
}

function parseConditions(value: unknown): PushCondition[] {
  if (value === undefined) throw MatrixError.missingParam('Missing conditions');
  if (!Array.isArray(value) || !value.every((c) => isObject(c) && typeof c['kind'] === 'string')) {
    throw MatrixError.badJson('conditions must be a list of objects with a kind');
  }
  return value as PushCondition[];
}

/**
 * The push-rules API (`pushrules/…`): the server defaults merged with the user's own rules and
 * their enabled/actions changes to defaults, kept per user as one document.
 */
@Injectable()
export class PushRulesService {
  private readonly listeners = new Set<(userId: string, position: number) => void>();

  constructor(private readonly store: PushRuleStore) {}

  /** Calls `listener` with the user id after each change of a user's rules commits. */
  /** Called after each write with the user and the `push_rules` stream position it got. */
  onChange(listener: (userId: string, position: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ruleset(userId: string): Promise<Ruleset> {
    const user = ((await this.store.getUserRules(userId)) ?? {}) as UserRules;
    return mergeRulesets(defaultPushRules(userId), user);
  }

  async getAll(requester: Requester): Promise<{ global: Ruleset }> {
    return { global: await this.ruleset(requester.userId) };
  }

  async getRule(requester: Requester, kind: string, ruleId: string): Promise<PushRule> {
    return this.find(await this.ruleset(requester.userId), kind, ruleId);
  }

  async putRule(
    requester: Requester,
    kind: string,
    ruleId: string,
    body: Record<string, unknown>,
    position: { before?: string; after?: string },
  ): Promise<void> {
    const k = this.checkKind(kind);
    if (isServerDefaultRuleId(ruleId)) {
      throw MatrixError.invalidParam('Rule ids starting with "." belong to server-default rules');
    }
    const rule: PushRule = {
      rule_id: ruleId,
      default: false,
      enabled: true,
      actions: parseActions(body['actions']),
    };
    if (k === 'override' || k === 'underride')
      rule.conditions = parseConditions(body['conditions']);
    if (k === 'content') {
      if (typeof body['pattern'] !== 'string') throw MatrixError.missingParam('Missing pattern');
      rule.pattern = body['pattern'];
    }
    await this.update(requester.userId, (current) => {
      const rules = { ...((current ?? {}) as UserRules) };
      const list = (rules[k] ?? []).filter((r) => r.rule_id !== ruleId);
      const anchor = position.before ?? position.after;
      let at = list.length;
      if (anchor !== undefined) {
        if (isServerDefaultRuleId(anchor)) {
          throw MatrixError.invalidParam('Rules cannot be placed relative to server-default rules');
        }
        const index = list.findIndex(
          (r) => r.rule_id === anchor && !isServerDefaultRuleId(r.rule_id),
        );
        if (index < 0) throw MatrixError.notFound(`No rule ${anchor} to place this rule next to`);
        at = position.before !== undefined ? index : index + 1;
      } else {
        const previous = (rules[k] ?? []).findIndex((r) => r.rule_id === ruleId);
        if (previous >= 0) at = previous;
      }
      list.splice(at, 0, rule);
      rules[k] = list;
      return rules as Record<string, unknown>;
    });
  }

  async deleteRule(requester: Requester, kind: string, ruleId: string): Promise<void> {
    const k = this.checkKind(kind);
    if (isServerDefaultRuleId(ruleId))
      throw MatrixError.invalidParam('Server-default rules cannot be deleted');
    await this.update(requester.userId, (current) => {
      const rules = { ...((current ?? {}) as UserRules) };
      const list = rules[k] ?? [];
      if (!list.some((r) => r.rule_id === ruleId)) throw MatrixError.notFound('Unknown push rule');
      rules[k] = list.filter((r) => r.rule_id !== ruleId);
      return rules as Record<string, unknown>;
    });
  }

  async setAttribute(
    requester: Requester,
    kind: string,
    ruleId: string,
    attribute: 'enabled' | 'actions',
    body: Record<string, unknown>,
  ): Promise<void> {
    const k = this.checkKind(kind);
    let change: Partial<PushRule>;
    if (attribute === 'enabled') {
      if (body['enabled'] === undefined) throw MatrixError.missingParam('Missing enabled');
      if (typeof body['enabled'] !== 'boolean')
        throw MatrixError.badJson('enabled must be a boolean');
      change = { enabled: body['enabled'] };
    } else {
      change = { actions: parseActions(body['actions']) };
    }
    const current = this.find(await this.ruleset(requester.userId), kind, ruleId);
    await this.update(requester.userId, (doc) => {
      const rules = { ...((doc ?? {}) as UserRules) };
      const list = [...(rules[k] ?? [])];
      const index = list.findIndex((r) => r.rule_id === ruleId);
      // A change to a server default is kept as an entry carrying its enabled and actions.
      const base = index >= 0 ? list[index] : { ...current };
      const updated = { ...base, ...change };
      if (index >= 0) list[index] = updated;
      else list.push(updated);
      rules[k] = list;
      return rules as Record<string, unknown>;
    });
  }

  private async update(
    userId: string,
    change: Parameters<PushRuleStore['updateUserRules']>[1],
  ): Promise<void> {
    const position = await this.store.updateUserRules(userId, change);
    for (const listener of this.listeners) listener(userId, position);
  }

  private checkKind(kind: string): PushRuleKind {
    if (!(PUSH_RULE_KINDS as readonly string[]).includes(kind)) {
      throw MatrixError.invalidParam(`Unknown push rule kind ${kind}`);
    }
    return kind as PushRuleKind;
  }

  private find(ruleset: Ruleset, kind: string, ruleId: string): PushRule {
    const k = this.checkKind(kind);
    const rule = ruleset[k].find((r) => r.rule_id === ruleId);
    if (!rule) throw MatrixError.notFound('Unknown push rule');
    return rule;
  }
}
