import { makeEvent } from '../../auth/testing/event-factory';
import { roomIdFromCreateEventId } from '../../events/event-hashing';
import type { RoomEvent } from '../../events/room-event';
import { getRoomVersion, type RoomVersion } from '../../events/room-versions';
import { stateMapKey, type StateMap } from '../../events/state-map';
import type { EventSource } from '../event-graph';

export const ALICE = '@alice:a.test';
export const BOB = '@bob:b.test';
export const CAROL = '@carol:c.test';
export const DAVE = '@dave:d.test';
export const EVE = '@eve:e.test';
export const FRANK = '@frank:f.test';

export interface EventSpec {
  type: string;
  sender: string;
  stateKey?: string;
  content: Record<string, unknown>;
  /** Written once for every version: the create event is dropped where it is implicit (v12). */
  auth: readonly RoomEvent[];
  ts?: number;
}

/**
 * A hand-built room for state resolution tests: every event it makes is kept for its
 * {@link EventSource}, which also records each fetch so tests can see batching and memoisation.
 */
export class RoomGraph {
  readonly version: RoomVersion;
  readonly events = new Map<string, RoomEvent>();
  readonly fetched: string[][] = [];
  readonly create: RoomEvent;
  private clock = 1_000;
  private latest: RoomEvent | undefined;

  constructor(versionId: string, creator = ALICE) {
    const version = getRoomVersion(versionId);
    if (!version) throw new Error(`unknown room version ${versionId}`);
    this.version = version;
    const content: Record<string, unknown> = { room_version: versionId };
    if (!version.implicitCreator) content['creator'] = creator;
    this.create = this.add({
      type: 'm.room.create',
      sender: creator,
      stateKey: '',
      content,
      auth: [],
    });
  }

  get roomId(): string {
    return this.version.roomIdIsCreateHash
      ? roomIdFromCreateEventId(this.create.eventId)
      : '!room:a.test';
  }

  add(spec: EventSpec): RoomEvent {
    this.clock += 10;
    const isCreate = spec.type === 'm.room.create';
    const auth = spec.auth.filter(
      (e) => !(this.version.createNotInAuthEvents && e.type === 'm.room.create'),
    );
    const event = makeEvent(
      {
        type: spec.type,
        sender: spec.sender,
        stateKey: spec.stateKey,
        content: spec.content,
        // A linear timeline: prev_events only matter to the creator's first join.
        prevEvents: this.latest ? [this.latest.eventId] : [],
        authEvents: auth.map((e) => e.eventId),
        ts: spec.ts ?? this.clock,
        roomId: isCreate ? undefined : this.roomId,
      },
      this.version,
    );
    this.events.set(event.eventId, event);
    this.latest = event;
    return event;
  }

  /** Power-levels content; before v12 the creator is listed at 100, in v12 creators may not be. */
  powerLevels(
    users: Record<string, number>,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> {
    const all = this.version.creatorsInfinitePower
      ? users
      : { [this.create.sender]: 100, ...users };
    return { users: all, ...extra };
  }

  member(
    sender: string,
    target: string,
    membership: string,
    auth: readonly RoomEvent[],
    ts?: number,
  ): RoomEvent {
    const content = { membership };
    return this.add({ type: 'm.room.member', sender, stateKey: target, content, auth, ts });
  }

  topic(sender: string, topic: string, auth: readonly RoomEvent[], ts?: number): RoomEvent {
    return this.add({ type: 'm.room.topic', sender, stateKey: '', content: { topic }, auth, ts });
  }

  powerLevelsEvent(
    sender: string,
    content: Record<string, unknown>,
    auth: readonly RoomEvent[],
    ts?: number,
  ): RoomEvent {
    return this.add({ type: 'm.room.power_levels', sender, stateKey: '', content, auth, ts });
  }

  joinRules(sender: string, rule: string, auth: readonly RoomEvent[], ts?: number): RoomEvent {
    const content = { join_rule: rule };
    return this.add({ type: 'm.room.join_rules', sender, stateKey: '', content, auth, ts });
  }

  reject(event: RoomEvent, reason = 'failed auth'): RoomEvent {
    event.rejectedReason = reason;
    return event;
  }

  source(): EventSource {
    return sourceOf(this.events, this.fetched);
  }
}

/** An {@link EventSource} over `events`, noting each requested batch in `fetched`. */
export function sourceOf(
  events: ReadonlyMap<string, RoomEvent>,
  fetched: string[][] = [],
): EventSource {
  return {
    getEvents: async (ids) => {
      fetched.push([...ids]);
      return new Map(
        ids.flatMap((id) => {
          const event = events.get(id);
          return event ? [[id, event] as const] : [];
        }),
      );
    },
  };
}

/** A state map holding each event at its (type, state_key); later events win a shared key. */
export function stateOf(...events: readonly RoomEvent[]): StateMap<string> {
  return new Map(events.map((e) => [stateMapKey(e.type, e.stateKey ?? ''), e.eventId]));
}

/** Every ordering of `items` (test inputs are two or three state sets). */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/**
 * The room most scenarios fork from: Alice created it (100, or infinite in v12), Dave is at 100,
 * Bob and Carol at 50, Eve at 0; the join rule is public and Alice set a topic.
 */
export function baseRoom(versionId: string) {
  const room = new RoomGraph(versionId);
  const { create } = room;
  const ja = room.member(ALICE, ALICE, 'join', [create]);
  const pl0 = room.powerLevelsEvent(
    ALICE,
    room.powerLevels({ [BOB]: 50, [CAROL]: 50, [DAVE]: 100 }),
    [create, ja],
  );
  const jr = room.joinRules(ALICE, 'public', [create, pl0, ja]);
  const jb = room.member(BOB, BOB, 'join', [create, pl0, jr]);
  const jc = room.member(CAROL, CAROL, 'join', [create, pl0, jr]);
  const jd = room.member(DAVE, DAVE, 'join', [create, pl0, jr]);
  const je = room.member(EVE, EVE, 'join', [create, pl0, jr]);
  const t0 = room.topic(ALICE, 'welcome', [create, pl0, ja]);
  const events = [create, ja, pl0, jr, jb, jc, jd, je, t0];
  return { room, create, ja, pl0, jr, jb, jc, jd, je, t0, events, state: stateOf(...events) };
}
