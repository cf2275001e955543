import { setMaxListeners } from 'node:events';

import { dueAt, LoopGuard, plannedSends, sleep } from '../lib/bounds';
import { ABORTED } from '../lib/errors';
import type { Session } from '../lib/matrix-api';
import { Prng } from '../lib/prng';
import { perSecond, summarize } from '../lib/stats';
import {
  analyseDeliveries,
  receiversPerRoom,
  type SentEvent,
  SyncRecorder,
} from './delivery-analysis';
import {
  type BenchContext,
  countOption,
  durationOption,
  type NumberOption,
  type OptionSpecs,
  type Params,
  rateOption,
  type Scenario,
  type ScenarioResult,
  sizeOption,
} from './scenario';
import { createRooms, joinRooms, registerUsers, setupPool } from './setup';

/** The server answers a long poll within this; the request timeout comes on top. */
const LONG_POLL_MS = 30_000;
/** A harness that falls behind its schedule may still start sends this long after the window. */
const SCHEDULE_GRACE_MS = 1_000;
/** After the last send, how long to wait for deliveries still on their way. */
const STRAGGLER_WAIT_MS = 5_000;
const STRAGGLER_CHECK_MS = 50;
/** A client whose sync fails waits this long before the next one. */
const SYNC_RETRY_MS = 500;
/** Sync failures printed per run; the rest are only counted. */
const LOGGED_FAILURES = 5;
/** Large enough that several events per room and response never make it limited. */
const SYNC_FILTER = { room: { timeline: { limit: 50 } } };

interface Topology {
  clients: number;
  rooms: number;
  rate: number;
  durationS: number;
  count: number;
  /** Seconds of sends at the same rate before the timed ones. */
  warmupS: number;
}

/**
 * A fresh server runs its first seconds slower (JIT, connection pools, the database's caches):
 * figures for a running server come after a warm-up at the same rate.
 */
const warmupOption: NumberOption = {
  integer: false,
  min: 0,
  max: 600,
  default: 5,
  help: 'seconds of sends at the same rate before the timed ones (checked, not timed)',
};

/**
 * C clients long-poll `/sync`, client i in room i mod R; one sender per room; sends on a fixed
 * schedule of `rate` events/s, each to a seeded-random room. Latency is an event's arrival in a
 * client's sync minus its send's 200. Limited timelines may skip events (the spec allows it):
 * those are counted apart from the misses, which, like duplicates, must be 0.
 */
async function runDelivery(ctx: BenchContext, t: Topology): Promise<ScenarioResult> {
  const clients = await registerUsers(ctx, 'client', t.clients);
  const senders = await registerUsers(ctx, 'sender', t.rooms);
  const roomIds = await createRooms(ctx, senders, t.rooms);
  const clientRoom = clients.map((_, i) => i % t.rooms);
  await joinRooms(
    ctx,
    clients.map((user, i) => ({ user, roomId: roomIds[clientRoom[i]] })),
  );
  const sinces = await setupPool(ctx, clients.length, async (i) => {
    const { json } = await ctx.syncApi.sync(clients[i].accessToken, { filter: SYNC_FILTER });
    return json.next_batch;
  });
  ctx.log(`setup: ${clients.length} clients in ${roomIds.length} room(s)`);

  const warmupSends = Math.floor(t.rate * t.warmupS);
  const total = warmupSends + plannedSends(t.rate, t.durationS, t.count);
  const recorder = new SyncRecorder(clients.length);
  const sent: SentEvent[] = [];
  const perRoom = receiversPerRoom(clientRoom, t.rooms);
  let sendsFailed = 0;
  let syncFailures = 0;
  const window = { start: Infinity, end: Infinity, syncs: 0 };

  const measured = await ctx.measure(async () => {
    const stopPolls = new AbortController();
    // Every poll in flight listens on it: one listener per client is expected, not a leak.
    setMaxListeners(0, stopPolls.signal);
    const pollSignal = AbortSignal.any([stopPolls.signal, ctx.signal]);
    // Each poll returns on a new event, a timeout or (after a pause) an error: this many fit.
    const runMs =
      (t.warmupS + t.durationS) * 1000 + STRAGGLER_WAIT_MS + LONG_POLL_MS + ctx.requestTimeoutMs;
    const maxPolls = total + Math.ceil(runMs / SYNC_RETRY_MS) + 10;
    const poll = async (user: Session, i: number): Promise<void> => {
      let since = sinces[i];
      const guard = new LoopGuard({
        maxIterations: maxPolls,
        durationMs: runMs,
        signal: pollSignal,
      });
      while (guard.next() !== undefined) {
        try {
          const { json } = await ctx.syncApi.sync(user.accessToken, {
            filter: SYNC_FILTER,
            since,
            timeoutMs: LONG_POLL_MS,
            requestTimeoutMs: ctx.requestTimeoutMs,
            signal: stopPolls.signal,
          });
          const now = performance.now();
          if (now >= window.start && now <= window.end) window.syncs++;
          recorder.record(i, json, now);
          since = json.next_batch;
        } catch (err) {
          if (ctx.errors.add(err) === ABORTED) return;
          if (syncFailures++ < LOGGED_FAILURES) ctx.log(`client ${i}: ${(err as Error).message}`);
          await sleep(SYNC_RETRY_MS, pollSignal);
        }
      }
    };
    const pollers = clients.map(poll);

    const inFlight: Promise<void>[] = [];
    window.start = performance.now();
    const sends = new LoopGuard({
      maxIterations: total,
      durationMs: (t.warmupS + t.durationS) * 1000 + SCHEDULE_GRACE_MS,
      signal: ctx.signal,
    });
    for (let k = sends.next(); k !== undefined; k = sends.next()) {
      await sleep(dueAt(window.start, k, t.rate) - performance.now(), ctx.signal);
      const room = Prng.pick(ctx.seed, k, t.rooms);
      const send = ctx.api
        .sendMessage(senders[room].accessToken, roomIds[room], ctx.naming.txnId(), `bench ${k}`)
        .then(
          (eventId) =>
            void sent.push({
              eventId,
              room,
              returnedAt: performance.now(),
              warmup: k < warmupSends,
            }),
          (err) => {
            ctx.errors.add(err);
            sendsFailed++;
          },
        );
      inFlight.push(send);
    }
    await Promise.all(inFlight);
    window.end = performance.now();

    const expected = sent.reduce((n, s) => n + perRoom[s.room], 0);
    const stragglers = new LoopGuard({
      maxIterations: Math.ceil(STRAGGLER_WAIT_MS / STRAGGLER_CHECK_MS),
      durationMs: STRAGGLER_WAIT_MS,
      signal: ctx.signal,
    });
    while (recorder.delivered(sent, perRoom) < expected && stragglers.next() !== undefined) {
      await sleep(STRAGGLER_CHECK_MS, ctx.signal);
    }
    stopPolls.abort();
    await Promise.all(pollers);
    return { attempted: sends.claimed };
  });

  const figures = analyseDeliveries(sent, recorder, clientRoom, t.rooms);
  const sendMs = window.end - window.start;
  const failures: string[] = [];
  if (figures.missed > 0) failures.push(`${figures.missed} deliveries missed`);
  if (figures.duplicated > 0) failures.push(`${figures.duplicated} deliveries duplicated`);
  return {
    throughput: {
      'sends/s': perSecond(sent.length, sendMs),
      'syncs/s': perSecond(window.syncs, sendMs),
      'deliveries/s': perSecond(figures.delivered, sendMs),
    },
    latencyMs: {
      delivery: summarize(figures.latencies),
      allReceivers: summarize(figures.allReceiverLatencies),
    },
    counts: {
      sendsPlanned: total,
      warmupSends,
      sendsAttempted: measured.attempted,
      sendsOk: sent.length,
      sendsFailed,
      expectedDeliveries: figures.expected,
      delivered: figures.delivered,
      missed: figures.missed,
      skippedInLimitedGaps: figures.skippedInLimitedGaps,
      duplicated: figures.duplicated,
      beforeSendReturned: figures.beforeSendReturned,
      limitedTimelines: recorder.limitedTimelines,
      syncResponses: recorder.responses,
    },
    failures,
  };
}

function deliveryScenario(
  name: string,
  summary: string,
  options: OptionSpecs,
  topology: (p: Params) => Topology,
): Scenario {
  return { name, summary, options, run: (ctx, p) => runDelivery(ctx, topology(p)) };
}

export const syncLatencyScenario = deliveryScenario(
  'sync-latency',
  'C clients long-polling /sync in R shared rooms while senders send at a fixed rate',
  {
    clients: sizeOption(50, 'long-polling clients, client i in room i mod R'),
    rooms: sizeOption(10, 'rooms, one sender each'),
    rate: rateOption(100),
    duration: durationOption(20),
    warmup: warmupOption,
    count: countOption,
  },
  (p) => ({
    clients: p['clients'],
    rooms: p['rooms'],
    rate: p['rate'],
    durationS: p['duration'],
    count: p['count'],
    warmupS: p['warmup'],
  }),
);

export const fanoutScenario = deliveryScenario(
  'fanout',
  'one room with M long-polling members and one sender: delivery latency to all of them',
  {
    members: sizeOption(200, 'long-polling members of the room'),
    rate: rateOption(10),
    duration: durationOption(20),
    warmup: warmupOption,
    count: countOption,
  },
  (p) => ({
    clients: p['members'],
    rooms: 1,
    rate: p['rate'],
    durationS: p['duration'],
    count: p['count'],
    warmupS: p['warmup'],
  }),
);
