import type { SyncResponse } from '../lib/matrix-api';

/** An event whose send was answered 200. */
export interface SentEvent {
  eventId: string;
  room: number;
  /** performance.now() when the 200 arrived. */
  returnedAt: number;
  /** Sent during the warm-up: its deliveries are checked (missed, duplicated) but not timed. */
  warmup?: boolean;
}

/** What the syncing clients received: arrival times per event per client. */
export class SyncRecorder {
  /** event_id → client → arrival times (more than one is a duplicate). */
  readonly arrivals = new Map<string, Map<number, number[]>>();
  /** When each client last got a limited timeline (it may skip events, as the spec allows). */
  readonly lastLimitedAt: number[];
  limitedTimelines = 0;
  responses = 0;

  constructor(clients: number) {
    this.lastLimitedAt = new Array<number>(clients).fill(-Infinity);
  }

  record(client: number, res: SyncResponse, now: number): void {
    this.responses++;
    for (const room of Object.values(res.rooms?.join ?? {})) {
      if (room.timeline?.limited) {
        this.limitedTimelines++;
        this.lastLimitedAt[client] = now;
      }
      for (const event of room.timeline?.events ?? []) {
        let perClient = this.arrivals.get(event.event_id);
        if (!perClient) this.arrivals.set(event.event_id, (perClient = new Map()));
        const times = perClient.get(client);
        if (times) times.push(now);
        else perClient.set(client, [now]);
      }
    }
  }

  /** Deliveries so far of `sent` to the clients in each event's room (duplicates not counted). */
  delivered(sent: readonly SentEvent[], receiversPerRoom: readonly number[]): number {
    let n = 0;
    for (const s of sent)
      n += Math.min(this.arrivals.get(s.eventId)?.size ?? 0, receiversPerRoom[s.room]);
    return n;
  }
}

export interface DeliveryFigures {
  expected: number;
  delivered: number;
  /** Never arrived at a client in the room, and no limited timeline explains it: must be 0. */
  missed: number;
  /** Never arrived, but sent before the client's last limited timeline: skipped in a gap. */
  skippedInLimitedGaps: number;
  /** Extra arrivals of an event at the same client: must be 0. */
  duplicated: number;
  /** Arrived in a sync before the send's own 200 (counted as 0 ms). */
  beforeSendReturned: number;
  /** First arrival − send 200, per (event, receiving client), warm-up sends left out. */
  latencies: number[];
  /** Per event that reached every client in its room: the slowest of them. */
  allReceiverLatencies: number[];
}

export function receiversPerRoom(clientRoom: readonly number[], rooms: number): number[] {
  const counts = new Array<number>(rooms).fill(0);
  for (const r of clientRoom) counts[r]++;
  return counts;
}

/** Matches sends to arrivals: `clientRoom[i]` (< `rooms`) is the one room client i syncs. */
export function analyseDeliveries(
  sent: readonly SentEvent[],
  recorder: SyncRecorder,
  clientRoom: readonly number[],
  rooms: number,
): DeliveryFigures {
  const perRoom = receiversPerRoom(clientRoom, rooms);
  const figures: DeliveryFigures = {
    expected: 0,
    delivered: 0,
    missed: 0,
    skippedInLimitedGaps: 0,
    duplicated: 0,
    beforeSendReturned: 0,
    latencies: [],
    allReceiverLatencies: [],
  };
  for (const s of sent) {
    figures.expected += perRoom[s.room];
    const received = recorder.arrivals.get(s.eventId) ?? new Map<number, number[]>();
    let slowest = 0;
    let reached = 0;
    for (let client = 0; client < clientRoom.length; client++) {
      if (clientRoom[client] !== s.room) continue;
      const times = received.get(client);
      if (!times) {
        if (s.returnedAt < recorder.lastLimitedAt[client]) figures.skippedInLimitedGaps++;
        else figures.missed++;
        continue;
      }
      reached++;
      figures.duplicated += times.length - 1;
      const delta = times[0] - s.returnedAt;
      if (delta < 0) figures.beforeSendReturned++;
      if (!s.warmup) figures.latencies.push(Math.max(0, delta));
      slowest = Math.max(slowest, delta);
    }
    figures.delivered += reached;
    if (!s.warmup && reached > 0 && reached === perRoom[s.room]) {
      figures.allReceiverLatencies.push(slowest);
    }
  }
  return figures;
}
