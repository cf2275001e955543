import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG } from '@chat/platform';
import {
  actionsHighlight,
  actionsNotify,
  evaluatePushRules,
  flattenRules,
  parsePowerLevel,
  parseStateMapKey,
  parseUserId,
  stateMapKey,
  userPowerLevel,
  type FlatRule,
  type RoomEvent,
  type StateMap,
} from '@chat/protocol';
import { EventStore, type NewRoomEvent, type PushActionRow } from '@chat/storage';

import { PushRulesService } from './push-rules.service';

/** Users whose flattened rules stay in memory; each entry is a few kilobytes. */
const RULES_CACHE_SIZE = 10_000;
const CREATE_KEY = stateMapKey('m.room.create', '');
const POWER_LEVELS_KEY = stateMapKey('m.room.power_levels', '');
/** The state entries the sender's power level and the notification levels come from. */
const AUTH_KEYS = [CREATE_KEY, POWER_LEVELS_KEY];
const MEMBER_KEY_PREFIX = stateMapKey('m.room.member', '');

function isMemberKey(key: string): boolean {
  return key.startsWith(MEMBER_KEY_PREFIX);
}

interface LocalMember {
  userId: string;
  displayName?: string;
}

/** What evaluating rules needs to know about one room state, whoever sent the event. */
export interface RoomPushContext {
  /** Joined members on this server. */
  localMembers: LocalMember[];
  joinedCount: number;
  /** The create and power-levels events, for the sender's power level. */
  authState: StateMap<RoomEvent>;
  notificationPowerLevels: Record<string, number>;
}

/** The thread an event belongs to: the root of its `m.thread` relation, else null. */
export function threadIdOf(event: RoomEvent): string | null {
  const relates = event.content['m.relates_to'];
  if (typeof relates !== 'object' || relates === null) return null;
  const { rel_type: relType, event_id: eventId } = relates as Record<string, unknown>;
  return relType === 'm.thread' && typeof eventId === 'string' ? eventId : null;
}

/**
 * Builds a state's push context from its member, create and power-levels events (`events` must
 * hold every one of them that exists).
 */
export function roomPushContext(
  state: StateMap<string>,
  events: ReadonlyMap<string, RoomEvent>,
  serverName: string,
): RoomPushContext {
  const localMembers: LocalMember[] = [];
  let joinedCount = 0;
  for (const [key, eventId] of state) {
    if (!isMemberKey(key)) continue;
    const member = events.get(eventId);
    if (member?.membership !== 'join') continue;
    joinedCount++;
    const [, userId] = parseStateMapKey(key);
    if (parseUserId(userId)?.serverName !== serverName) continue;
    const name = member.content['displayname'];
    localMembers.push({ userId, displayName: typeof name === 'string' ? name : undefined });
  }
  const authState: StateMap<RoomEvent> = new Map();
  for (const key of AUTH_KEYS) {
    const event = events.get(state.get(key) ?? '');
    if (event) authState.set(key, event);
  }
  const powerLevels = authState.get(POWER_LEVELS_KEY);
  const notificationPowerLevels: Record<string, number> = {};
  const notifications = powerLevels?.content['notifications'];
  if (powerLevels && typeof notifications === 'object' && notifications !== null) {
    for (const [name, value] of Object.entries(notifications)) {
      const level = parsePowerLevel(value, powerLevels.version);
      if (level !== undefined) notificationPowerLevels[name] = level;
    }
  }
  return { localMembers, joinedCount, authState, notificationPowerLevels };
}

/** The fields of the client format push rules look at. */
function pushEventJson(event: RoomEvent): Record<string, unknown> {
  const json: Record<string, unknown> = {
    event_id: event.eventId,
    type: event.type,
    room_id: event.roomId,
    sender: event.sender,
    origin_server_ts: event.originServerTs,
    content: event.content,
  };
  if (event.stateKey !== undefined) json['state_key'] = event.stateKey;
  return json;
}

/**
 * Push actions of new local events for the room's local members (protocol.md §6.5, §6.9), run
 * by the event writer before each batch is written so that they commit with the events.
 * Rules are cached per user until the push-rules API changes them, and room contexts per state
 * map: the writer keeps one map while only messages arrive, so a busy room is read once.
 */
@Injectable()
export class PushActionsCalculator implements OnModuleDestroy {
  private readonly rules = new Map<string, FlatRule[]>();
  /** Bumped on every rules change, so a load that raced with one is not cached. */
  private rulesGeneration = 0;
  private readonly contexts = new WeakMap<StateMap<string>, RoomPushContext>();
  private readonly stopListening: () => void;

  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly events: EventStore,
    private readonly pushRules: PushRulesService,
  ) {
    this.stopListening = pushRules.onChange((userId) => this.forgetRules(userId));
  }

  /** The user's rules changed (here, or on another process in worker mode). */
  forgetRules(userId: string): void {
    this.rules.delete(userId);
    this.rulesGeneration++;
  }

  onModuleDestroy(): void {
    this.stopListening();
  }

  async calculate(items: readonly NewRoomEvent[]): Promise<PushActionRow[]> {
    const contexts = await this.contextsFor(items);
    const recipients = items.map(({ event, stateAfter }) =>
      this.recipients(event, contexts.get(stateAfter) as RoomPushContext),
    );
    const rules = await this.rulesFor(new Set(recipients.flat().map((m) => m.userId)));
    const rows: PushActionRow[] = [];
    for (const [i, { event, stateAfter }] of items.entries()) {
      const context = contexts.get(stateAfter) as RoomPushContext;
      const json = pushEventJson(event);
      const senderPowerLevel = userPowerLevel(event.sender, context.authState, event.version);
      const threadId = threadIdOf(event);
      for (const member of recipients[i]) {
        const match = evaluatePushRules(rules.get(member.userId) as FlatRule[], json, {
          userId: member.userId,
          displayName: member.displayName,
          roomMemberCount: context.joinedCount,
          senderPowerLevel,
          notificationPowerLevels: context.notificationPowerLevels,
        });
        if (!match || !actionsNotify(match.actions)) continue;
        rows.push({
          eventId: event.eventId,
          userId: member.userId,
          notify: true,
          highlight: actionsHighlight(match.actions),
          threadId,
        });
      }
    }
    return rows;
  }

  /** Local joined members but the sender, and a local user the event invites (Synapse too). */
  private recipients(event: RoomEvent, context: RoomPushContext): LocalMember[] {
    const members = context.localMembers.filter((m) => m.userId !== event.sender);
    const invitee = event.membership === 'invite' ? event.stateKey : undefined;
    if (
      invitee !== undefined &&
      invitee !== event.sender &&
      parseUserId(invitee)?.serverName === this.config.serverName
    ) {
      members.push({ userId: invitee });
    }
    return members;
  }

  /** A context per distinct state map, loading the events they need in one call. */
  private async contextsFor(
    items: readonly NewRoomEvent[],
  ): Promise<Map<StateMap<string>, RoomPushContext>> {
    const out = new Map<StateMap<string>, RoomPushContext>();
    const missing = new Set<StateMap<string>>();
    for (const { stateAfter } of items) {
      const cached = this.contexts.get(stateAfter);
      if (cached) out.set(stateAfter, cached);
      else missing.add(stateAfter);
    }
    if (missing.size === 0) return out;
    // The batch's own events are not stored yet.
    const known = new Map(items.map(({ event }) => [event.eventId, event]));
    const wanted = new Set<string>();
    for (const state of missing) {
      for (const [key, eventId] of state) {
        if (!known.has(eventId) && (isMemberKey(key) || AUTH_KEYS.includes(key))) {
          wanted.add(eventId);
        }
      }
    }
    const stored = await this.events.getEvents([...wanted]);
    for (const [id, { event }] of stored) known.set(id, event);
    for (const state of missing) {
      const context = roomPushContext(state, known, this.config.serverName);
      this.contexts.set(state, context);
      out.set(state, context);
    }
    return out;
  }

  private async rulesFor(userIds: Set<string>): Promise<Map<string, FlatRule[]>> {
    const out = new Map<string, FlatRule[]>();
    const missing: string[] = [];
    for (const userId of userIds) {
      const cached = this.rules.get(userId);
      if (cached) out.set(userId, cached);
      else missing.push(userId);
    }
    const generation = this.rulesGeneration;
    const loaded = await Promise.all(
      missing.map(async (userId) => flattenRules(await this.pushRules.ruleset(userId))),
    );
    for (const [i, userId] of missing.entries()) {
      out.set(userId, loaded[i]);
      if (generation !== this.rulesGeneration) continue;
      this.cacheRules(userId, loaded[i]);
    }
    return out;
  }

  private cacheRules(userId: string, rules: FlatRule[]): void {
    // Map order is insertion order: evicting the first entry drops the longest-cached user.
    const oldest = this.rules.keys().next();
    if (this.rules.size >= RULES_CACHE_SIZE && !oldest.done) this.rules.delete(oldest.value);
    this.rules.set(userId, rules);
  }
}
