import { Logger } from '@nestjs/common';

import {
  authEventKeys,
  checkAuthEventsStructure,
  checkAuthRules,
  hashAndSignEvent,
  MatrixError,
  parseUserId,
  randomString,
  resolveState,
  RoomEvent,
  stateMapKey,
  userPowerLevel,
  redactionPowerLevel,
  validatePduFormat,
  type Pdu,
  type RoomVersion,
  type SigningKey,
  type StateMap,
} from '@chat/protocol';
import {
  txnKeyString,
  type EventStore,
  type NewRoomEvent,
  type PushActionRow,
  type StoredEvent,
} from '@chat/storage';
import type { EventDraft, WrittenEvent } from './event-draft';
import type { RoomTip } from './room-tip';

/** Units (one client request each) written together in one transaction, at most. */
const MAX_UNITS_PER_BATCH = 100;

interface Unit {
  drafts: EventDraft[];
  /** A new room's create event, built before the room id (v12: its hash) was known. */
  createEvent?: RoomEvent;
  resolve(events: WrittenEvent[]): void;
  reject(err: unknown): void;
}

interface BuiltUnit {
  unit: Unit;
  tip: RoomTip;
  /** Per draft: a new event to write, or the event an earlier identical transaction wrote. */
  outcomes: Array<{ item: NewRoomEvent } | { existing: WrittenEvent }>;
}

export type EventsPersistedListener = (roomId: string, events: StoredEvent[]) => void;

export interface RoomEventWriterOptions {
  store: EventStore;
  serverName: string;
  signingKey: SigningKey;
  instanceName: string;
  now?: () => number;
  /** Local members' push actions for a batch's events, stored in the same transaction. */
  pushActions?: (roomId: string, items: readonly NewRoomEvent[]) => Promise<PushActionRow[]>;
}

/**
 * The event persister. Each room has a queue; its worker builds the queued drafts one after the
 * other on top of the room's tip (so concurrent senders never fork the room), checks each against
 * the authorization rules, and writes the accepted ones in one transaction. A request is answered
 * only after its transaction committed, so an acknowledged event is never lost.
 */
export class RoomEventWriter {
  private readonly queues = new Map<string, Unit[]>();
  private readonly tips = new Map<string, RoomTip>();
  private readonly listeners = new Set<EventsPersistedListener>();
  private readonly logger = new Logger(RoomEventWriter.name);
  private readonly now: () => number;
  /**
   * Rooms with a batch between its stream ids and its listeners, and the users whose membership
   * such a batch changes (by batch count): the stream position may cover these writes before the
   * listeners have heard of them.
   */
  private readonly roomsWriting = new Set<string>();
  private readonly membersWriting = new Map<string, number>();
  /** The last create event's timestamp: see `createRoom`. */
  private lastCreateTs = 0;

  constructor(private readonly opts: RoomEventWriterOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Builds and writes `drafts` as one unit: all of them are written, or none. */
  send(roomId: string, drafts: EventDraft[]): Promise<WrittenEvent[]> {
    return this.enqueue(roomId, { drafts });
  }

  /** Creates a room: the create event first, then `drafts`, in one unit. */
  async createRoom(
    version: RoomVersion,
    create: EventDraft,
    drafts: EventDraft[],
  ): Promise<{ roomId: string; events: WrittenEvent[] }> {
    const createEvent = this.buildCreateEvent(version, create);
    return { roomId: createEvent.roomId, events: await this.writeNewRoom(createEvent, drafts) };
  }

  /**
   * A new room's signed create event. Its room id decides which persister writes the room, so in
   * worker mode any process builds it and the room's persister writes it (`writeNewRoom`).
   */
  buildCreateEvent(version: RoomVersion, create: EventDraft): RoomEvent {
    // Where the room id is the create event's hash (v12), two identical creates in one
    // millisecond would name the same room: each create gets a timestamp of its own.
    this.lastCreateTs = Math.max(this.now(), this.lastCreateTs + 1);
    const pdu: Omit<Pdu, 'hashes' | 'signatures'> = {
      type: 'm.room.create',
      sender: create.sender,
      origin_server_ts: this.lastCreateTs,
      content: create.content,
      state_key: '',
      depth: 1,
      prev_events: [],
      auth_events: [],
    };
    if (!version.roomIdIsCreateHash) {
      pdu.room_id = `!${randomString(18)}:${this.opts.serverName}`;
    }
    return this.sign(pdu, version);
  }

  /** Writes a new room: its create event, then `drafts`, in one unit. */
  writeNewRoom(createEvent: RoomEvent, drafts: EventDraft[]): Promise<WrittenEvent[]> {
    return this.enqueue(createEvent.roomId, { drafts, createEvent });
  }

  onPersisted(listener: EventsPersistedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private enqueue(roomId: string, unit: Omit<Unit, 'resolve' | 'reject'>): Promise<WrittenEvent[]> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(roomId);
      const entry = { ...unit, resolve, reject };
      if (queue) {
        queue.push(entry);
        return;
      }
      this.queues.set(roomId, [entry]);
      void this.drain(roomId);
    });
  }

  private async drain(roomId: string): Promise<void> {
    const queue = this.queues.get(roomId) as Unit[];
    while (queue.length > 0) {
      const units = queue.splice(0, MAX_UNITS_PER_BATCH);
      try {
        await this.writeBatch(roomId, units);
      } catch (err) {
        // The tip may be ahead of what was written: reload it for the next batch.
        this.tips.delete(roomId);
        for (const unit of units) unit.reject(err);
      }
    }
    this.queues.delete(roomId);
  }

  private async writeBatch(roomId: string, units: Unit[]): Promise<void> {
    const start = await this.loadTip(roomId, units[0]);
    const built: BuiltUnit[] = [];
    const pending = new Map<string, RoomEvent>();
    const pendingTxns = await this.earlierTxns(units);
    let tip = start;
    for (const unit of units) {
      try {
        const result = await this.buildUnit(tip, unit, pending, pendingTxns);
        built.push(result);
        tip = result.tip;
      } catch (err) {
        unit.reject(err);
      }
    }
    const items = built.flatMap((b) => b.outcomes.flatMap((o) => ('item' in o ? [o.item] : [])));
    const pushActions = items.length === 0 ? [] : await this.pushActionsFor(roomId, items);
    const members = items.flatMap(({ event }) =>
      event.type === 'm.room.member' && event.stateKey !== undefined ? [event.stateKey] : [],
    );
    this.roomsWriting.add(roomId);
    for (const userId of members)
      this.membersWriting.set(userId, (this.membersWriting.get(userId) ?? 0) + 1);
    try {
      await this.persistAndNotify(roomId, start, tip, items, pushActions, built);
    } finally {
      this.roomsWriting.delete(roomId);
      for (const userId of members) {
        const left = (this.membersWriting.get(userId) ?? 1) - 1;
        if (left > 0) this.membersWriting.set(userId, left);
        else this.membersWriting.delete(userId);
      }
    }
  }

  /** True while a batch of the room is being written and its listeners have not run yet. */
  isWriting(roomId: string): boolean {
    return this.roomsWriting.has(roomId);
  }

  /** True while a batch that changes the user's membership is being written (as above). */
  isWritingMembership(userId: string): boolean {
    return this.membersWriting.has(userId);
  }

  private async persistAndNotify(
    roomId: string,
    start: RoomTip,
    tip: RoomTip,
    items: NewRoomEvent[],
    pushActions: PushActionRow[],
    built: BuiltUnit[],
  ): Promise<void> {
    const persisted =
      items.length === 0
        ? []
        : await this.opts.store.persistBatch({
            roomId,
            stateGroupBefore: start.stateGroup,
            events: items,
            currentStateDelta: diffState(start.storedCurrentState, tip.state),
            pushActions,
          });
    const byId = new Map(persisted.map((p) => [p.eventId, p]));
    if (persisted.length > 0) {
      const last = persisted[persisted.length - 1];
      this.tips.set(roomId, { ...tip, stateGroup: last.stateGroup, storedCurrentState: tip.state });
    }
    for (const { unit, outcomes } of built) {
      unit.resolve(
        outcomes.map((o) => {
          if ('existing' in o) return o.existing;
          const written = byId.get(o.item.event.eventId);
          return {
            eventId: o.item.event.eventId,
            streamOrdering: written?.streamOrdering ?? 0,
            deduplicated: false,
          };
        }),
      );
    }
    if (persisted.length > 0) this.notify(roomId, items, byId);
  }

  /** Missing notification counts are better than refusing the events, so failures only log. */
  private async pushActionsFor(
    roomId: string,
    items: readonly NewRoomEvent[],
  ): Promise<PushActionRow[]> {
    if (!this.opts.pushActions) return [];
    try {
      return await this.opts.pushActions(roomId, items);
    } catch (err) {
      this.logger.error(
        `push actions for ${roomId} failed; storing the events without them`,
        err instanceof Error ? err.stack : String(err),
      );
      return [];
    }
  }

  private notify(
    roomId: string,
    items: NewRoomEvent[],
    byId: Map<string, { streamOrdering: number; stateGroup: number | null }>,
  ): void {
    const stored: StoredEvent[] = items.map(({ event, replacesState }) => {
      const written = byId.get(event.eventId);
      return {
        event,
        streamOrdering: written?.streamOrdering ?? 0,
        instanceName: this.opts.instanceName,
        topologicalOrdering: event.depth,
        stateGroup: written?.stateGroup ?? null,
        outlier: false,
        redactedBy: null,
        replacesState: replacesState ?? null,
      };
    });
    for (const listener of this.listeners) listener(roomId, stored);
  }

  private async loadTip(roomId: string, first: Unit): Promise<RoomTip> {
    const cached = this.tips.get(roomId);
    if (cached) return cached;
    const { store } = this.opts;
    const room = await store.getRoom(roomId);
    if (!room) {
      if (!first.createEvent) throw MatrixError.notFound('Unknown room');
      return {
        roomId,
        version: first.createEvent.version,
        extremities: [],
        maxDepth: 0,
        state: new Map(),
        stateGroup: null,
        storedCurrentState: new Map(),
      };
    }
    const extremityIds = await store.getForwardExtremities(roomId);
    const extremities = [...(await store.getEvents(extremityIds)).values()];
    if (extremities.length === 0) throw new Error(`room ${roomId} has no forward extremities`);
    const version = extremities[0].event.version;
    const maxDepth = Math.max(...extremities.map((e) => e.event.depth));
    const storedCurrentState = await store.getCurrentState(roomId);
    if (extremities.length === 1 && extremities[0].stateGroup !== null) {
      const group = extremities[0].stateGroup;
      const state = await store.getStateGroupState(group);
      return {
        roomId,
        version,
        extremities: extremityIds,
        maxDepth,
        state,
        stateGroup: group,
        storedCurrentState,
      };
    }
    const states = await Promise.all(
      extremities.map((e) => store.getStateGroupState(e.stateGroup as number)),
    );
    const state = await resolveState(version, states, {
      getEvents: async (ids) => {
        const found = await store.getEvents(ids);
        return new Map([...found].map(([id, s]) => [id, s.event]));
      },
    });
    return {
      roomId,
      version,
      extremities: extremityIds,
      maxDepth,
      state,
      stateGroup: null,
      storedCurrentState,
    };
  }

  private async buildUnit(
    start: RoomTip,
    unit: Unit,
    pending: Map<string, RoomEvent>,
    pendingTxns: Map<string, WrittenEvent>,
  ): Promise<BuiltUnit> {
    let tip = start;
    const outcomes: BuiltUnit['outcomes'] = [];
    const unitTxns = new Map<string, WrittenEvent>();
    const append = async (event: RoomEvent, draft?: EventDraft): Promise<void> => {
      validatePduFormat(event.pdu, event.version);
      // The wire auth_events get the structural checks; the rules also see v12's implicit create.
      const authEvents = await this.loadEvents(event.authEventIdsWithCreate, pending);
      const wireIds = new Set(event.authEventIds);
      checkAuthEventsStructure(
        event,
        authEvents.filter((e) => wireIds.has(e.eventId)),
      );
      checkAuthRules(
        event,
        new Map(authEvents.map((e) => [stateMapKey(e.type, e.stateKey ?? ''), e])),
      );
      const key = event.isState() ? stateMapKey(event.type, event.stateKey as string) : undefined;
      const stateAfter = key ? new Map(tip.state).set(key, event.eventId) : tip.state;
      const item: NewRoomEvent = {
        event,
        stateAfter,
        txn: draft?.txn,
        replacesState: key ? tip.state.get(key) : undefined,
      };
      if (event.redacts !== undefined && (await this.redactionApplies(event, tip, pending))) {
        item.applyRedactionTo = event.redacts;
      }
      pending.set(event.eventId, event);
      outcomes.push({ item });
      tip = { ...tip, extremities: [event.eventId], maxDepth: event.depth, state: stateAfter };
      if (draft?.txn)
        unitTxns.set(txnKeyString(draft.txn), {
          eventId: event.eventId,
          streamOrdering: 0,
          deduplicated: true,
        });
    };
    if (unit.createEvent) await append(unit.createEvent);
    for (const draft of unit.drafts) {
      const existing = draft.txn ? pendingTxns.get(txnKeyString(draft.txn)) : undefined;
      if (existing) {
        outcomes.push({ existing });
        continue;
      }
      await append(this.build(tip, draft), draft);
    }
    for (const [key, written] of unitTxns) pendingTxns.set(key, written);
    return { unit, tip, outcomes };
  }

  /** Events that earlier requests with the batch's transaction ids wrote, in one query. */
  private async earlierTxns(units: Unit[]): Promise<Map<string, WrittenEvent>> {
    const keys = units.flatMap((u) => u.drafts.flatMap((d) => (d.txn ? [d.txn] : [])));
    const found = await this.opts.store.getEventIdsForTxns(keys);
    const stored = found.size ? await this.opts.store.getEvents([...found.values()]) : new Map();
    const written = new Map<string, WrittenEvent>();
    for (const [key, eventId] of found) {
      const streamOrdering = (stored.get(eventId) as StoredEvent | undefined)?.streamOrdering ?? 0;
      written.set(key, { eventId, streamOrdering, deduplicated: true });
    }
    return written;
  }

  private build(tip: RoomTip, draft: EventDraft): RoomEvent {
    const { version } = tip;
    const authEvents = authEventKeys(draft, version).flatMap(([type, stateKey]) => {
      const id = tip.state.get(stateMapKey(type, stateKey));
      return id === undefined ? [] : [id];
    });
    const content =
      draft.redacts !== undefined && version.redactsInContent
        ? { ...draft.content, redacts: draft.redacts }
        : draft.content;
    const pdu: Omit<Pdu, 'hashes' | 'signatures'> = {
      type: draft.type,
      room_id: tip.roomId,
      sender: draft.sender,
      origin_server_ts: this.now(),
      content,
      depth: Math.min(tip.maxDepth + 1, version.maxDepth),
      prev_events: tip.extremities.slice(-20),
      auth_events: authEvents,
    };
    if (draft.stateKey !== undefined) pdu.state_key = draft.stateKey;
    if (draft.redacts !== undefined && !version.redactsInContent) pdu.redacts = draft.redacts;
    return this.sign(pdu, version);
  }

  private sign(pdu: Omit<Pdu, 'hashes' | 'signatures'>, version: RoomVersion): RoomEvent {
    return new RoomEvent(
      hashAndSignEvent(pdu, version, this.opts.serverName, this.opts.signingKey),
      version,
    );
  }

  /**
   * v3+ applies a redaction when the redacter may redact others' events or shares the target
   * sender's server (protocol.md §2.5); the target must be in the same room.
   */
  private async redactionApplies(
    event: RoomEvent,
    tip: RoomTip,
    pending: Map<string, RoomEvent>,
  ): Promise<boolean> {
    const targetId = event.redacts as string;
    const [target] = await this.loadEvents([targetId], pending);
    if (!target || target.roomId !== event.roomId) return false;
    if (parseUserId(target.sender)?.serverName === parseUserId(event.sender)?.serverName) {
      return true;
    }
    const keys = [stateMapKey('m.room.power_levels', ''), stateMapKey('m.room.create', '')];
    const ids = keys.flatMap((k) => tip.state.get(k) ?? []);
    const authState = new Map(
      (await this.loadEvents(ids, pending)).map((e) => [stateMapKey(e.type, e.stateKey ?? ''), e]),
    );
    return (
      userPowerLevel(event.sender, authState, event.version) >=
      redactionPowerLevel(authState, event.version)
    );
  }

  private async loadEvents(
    ids: readonly string[],
    pending: Map<string, RoomEvent>,
  ): Promise<RoomEvent[]> {
    const missing = ids.filter((id) => !pending.has(id));
    const stored = missing.length > 0 ? await this.opts.store.getEvents(missing) : new Map();
    return ids.flatMap((id) => {
      const event = pending.get(id) ?? (stored.get(id) as StoredEvent | undefined)?.event;
      return event ? [event] : [];
    });
  }
}

/** Entries of `after` that differ from `before` (state maps only add or replace entries). */
function diffState(before: StateMap<string>, after: StateMap<string>): StateMap<string> {
  const delta = new Map<string, string>();
  for (const [key, id] of after) if (before.get(key) !== id) delta.set(key, id);
  return delta;
}
