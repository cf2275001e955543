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

import type { StreamWriteBody } from '../common/stream-write-ops';
import { StreamWrites } from '../common/stream-writes';

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

/** The new value of a rule's `enabled` or `actions`, from the client's body. */
function attributeChange(attribute: string, body: Record<string, unknown>): Partial<PushRule> {
  if (attribute === 'enabled') {
    if (body['enabled'] === undefined) throw MatrixError.missingParam('Missing enabled');
    if (typeof body['enabled'] !== 'boolean')
      throw MatrixError.badJson('enabled must be a boolean');
    return { enabled: body['enabled'] };
  }
  if (attribute === 'actions') return { actions: parseActions(body['actions']) };
  throw MatrixError.invalidParam(`Unknown push rule attribute ${attribute}`);
}

/**
 * The push-rules API (`pushrules/…`): the server defaults merged with the user's own rules and
 * their enabled/actions changes to defaults, kept per user as one document. Requests are checked
 * where they arrive; the `push_rules` writer applies them to the document, so errors that depend
 * on it (an unknown rule, a missing anchor) come from there.
 */
@Injectable()
export class PushRulesService {
  private readonly listeners = new Set<(userId: string, position: number) => void>();

  constructor(
    private readonly store: PushRuleStore,
    private readonly writes: StreamWrites,
  ) {
    writes.serve('push_rule_put', (body) => this.applyPut(body));
    writes.serve('push_rule_delete', (body) => this.applyDelete(body));
    writes.serve('push_rule_set_attribute', (body) => this.applyAttribute(body));
  }

  /** Called after each local write with the user and the `push_rules` position it got. */
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
    const anchor = position.before ?? position.after;
    if (anchor !== undefined && isServerDefaultRuleId(anchor)) {
      throw MatrixError.invalidParam('Rules cannot be placed relative to server-default rules');
    }
    await this.writes.write('push_rule_put', {
      user_id: requester.userId,
      kind: k,
      rule_id: ruleId,
      rule: { ...rule },
      before: position.before,
      after: position.after,
    });
  }

  async deleteRule(requester: Requester, kind: string, ruleId: string): Promise<void> {
    const k = this.checkKind(kind);
    if (isServerDefaultRuleId(ruleId))
      throw MatrixError.invalidParam('Server-default rules cannot be deleted');
    await this.writes.write('push_rule_delete', {
      user_id: requester.userId,
      kind: k,
      rule_id: ruleId,
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
    attributeChange(attribute, body);
    await this.writes.write('push_rule_set_attribute', {
      user_id: requester.userId,
      kind: k,
      rule_id: ruleId,
      attribute,
      body,
    });
  }

  /** `push_rule_put` on the writer: the rule goes next to its anchor, or where it was, or last. */
  private async applyPut(body: StreamWriteBody<'push_rule_put'>): Promise<void> {
    const k = this.checkKind(body.kind);
    const { rule_id: ruleId, before, after } = body;
    const rule = body.rule as unknown as PushRule;
    await this.update(body.user_id, (current) => {
      const rules = { ...((current ?? {}) as UserRules) };
      const list = (rules[k] ?? []).filter((r) => r.rule_id !== ruleId);
      const anchor = before ?? after;
      let at = list.length;
      if (anchor !== undefined) {
        const index = list.findIndex(
          (r) => r.rule_id === anchor && !isServerDefaultRuleId(r.rule_id),
        );
        if (index < 0) throw MatrixError.notFound(`No rule ${anchor} to place this rule next to`);
        at = before !== undefined ? index : index + 1;
      } else {
        const previous = (rules[k] ?? []).findIndex((r) => r.rule_id === ruleId);
        if (previous >= 0) at = previous;
      }
      list.splice(at, 0, rule);
      rules[k] = list;
      return rules as Record<string, unknown>;
    });
  }

  private async applyDelete(body: StreamWriteBody<'push_rule_delete'>): Promise<void> {
    const k = this.checkKind(body.kind);
    await this.update(body.user_id, (current) => {
      const rules = { ...((current ?? {}) as UserRules) };
      const list = rules[k] ?? [];
      if (!list.some((r) => r.rule_id === body.rule_id)) {
        throw MatrixError.notFound('Unknown push rule');
      }
      rules[k] = list.filter((r) => r.rule_id !== body.rule_id);
      return rules as Record<string, unknown>;
    });
  }

  private async applyAttribute(body: StreamWriteBody<'push_rule_set_attribute'>): Promise<void> {
    const k = this.checkKind(body.kind);
    const change = attributeChange(body.attribute, body.body);
    const current = this.find(await this.ruleset(body.user_id), k, body.rule_id);
    await this.update(body.user_id, (doc) => {
      const rules = { ...((doc ?? {}) as UserRules) };
      const list = [...(rules[k] ?? [])];
      const index = list.findIndex((r) => r.rule_id === body.rule_id);
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
