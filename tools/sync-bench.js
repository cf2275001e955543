#!/usr/bin/env node
// Sync figures for the closing notes until the benchmark harness exists. Starts the built main app
// on a fresh database (SQLite file, or a new PostgreSQL database dropped afterwards) and drives it
// over loopback HTTP.
//
//   node tools/sync-bench.js latency --engine sqlite|postgres [--clients 50] [--rooms 10]
//                                    [--rate 100] [--duration 20]
//     Long-polling clients; senders at a fixed total rate. Latency = sync arrival − send 200.
//   node tools/sync-bench.js initial --engine sqlite|postgres [--rooms 100] [--members 50]
//                                    [--events 100] [--runs 3]
//     Time of a user's first /sync, with a lazy-loading filter and with none.
//
// stdout carries the JSON result; progress and the summary table go to stderr.
const { readFileSync } = require('node:fs');
const { loadavg } = require('node:os');
const { performance } = require('node:perf_hooks');
const { parseArgs } = require('node:util');

const { call, percentile, register, request, startServer } = require('./bench-support');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    engine: { type: 'string', default: 'sqlite' },
    clients: { type: 'string', default: '50' },
    rooms: { type: 'string' },
    rate: { type: 'string', default: '100' },
    duration: { type: 'string', default: '20' },
    members: { type: 'string', default: '50' },
    events: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
  },
});
const MODE = positionals[0];
// Long polls return after 30 s at most; anything else is a request the server lost.
const SYNC_TIMEOUT_MS = 30_000;
// Whole-run bound, so a wedged server cannot keep the script alive.
const RUN_DEADLINE_MS = 30 * 60_000;
// Setup requests in flight at once: enough to keep both cores busy without queueing for seconds.
const SETUP_CONCURRENCY = 16;
const STRAGGLER_WAIT_MS = 5_000;

function positiveInt(name, fallback) {
  const n = Number(values[name] ?? fallback);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}

function log(line) {
  process.stderr.write(`${line}\n`);
}

/** Runs fn over items with at most `limit` in flight; results keep the items' order. */
async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const range = (n) => Array.from({ length: n }, (_, i) => i);
const roomPath = (roomId, rest) => `/chat/client/v3/rooms/${encodeURIComponent(roomId)}/${rest}`;
let txnCounter = 0;

function sendMessage(base, token, roomId, body) {
  return call(base, 'PUT', roomPath(roomId, `send/m.room.message/b${txnCounter++}`), token, {
    msgtype: 'm.text',
    body,
  });
}

function syncPath(filter, since, timeout) {
  const query = new URLSearchParams();
  if (filter) query.set('filter', JSON.stringify(filter));
  if (since) query.set('since', since);
  if (timeout !== undefined) query.set('timeout', String(timeout));
  const qs = query.toString();
  return `/chat/client/v3/sync${qs ? `?${qs}` : ''}`;
}

const ms = (x) => (x === null ? null : +x.toFixed(1));
const seconds = (start) => +((performance.now() - start) / 1000).toFixed(2);

async function latency(base) {
  const clients = positiveInt('clients');
  const rooms = positiveInt('rooms', 10);
  const rate = positiveInt('rate');
  const durationS = positiveInt('duration');
  const total = rate * durationS;
  const filter = { room: { timeline: { limit: 50 } } };

  const setupStart = performance.now();
  const users = await pool(range(clients + rooms), SETUP_CONCURRENCY, (i) =>
    register(base, i < clients ? `client${i}` : `sender${i - clients}`),
  );
  const senders = users.slice(clients);
  const roomIds = await pool(senders, SETUP_CONCURRENCY, async (s) => {
    return (
      await call(base, 'POST', '/chat/client/v3/createRoom', s.token, { preset: 'public_chat' })
    ).room_id;
  });
  // Client i sits in room i mod R, so every room gets the same share of syncing members.
  const clientRoom = range(clients).map((i) => i % rooms);
  await pool(range(clients), SETUP_CONCURRENCY, (i) =>
    call(base, 'POST', roomPath(roomIds[clientRoom[i]], 'join'), users[i].token, {}),
  );
  const receiversPerRoom = range(rooms).map((r) => clientRoom.filter((cr) => cr === r).length);
  const setupS = seconds(setupStart);
  log(`setup: ${clients} clients, ${rooms} rooms in ${setupS} s`);

  // arrivals: event_id → client index → arrival times (more than one is a duplicate).
  const arrivals = new Map();
  const abort = new AbortController();
  let syncResponses = 0;
  let syncErrors = 0;
  let limitedTimelines = 0;
  // A limited timeline skips events (the client would paginate back for them), which the spec
  // allows: events sent before a client's last limited response and never seen fell in a gap.
  const lastLimitedAt = new Array(clients).fill(-Infinity);
  const sincePerClient = await pool(range(clients), SETUP_CONCURRENCY, async (i) => {
    const { json } = await request(base, 'GET', syncPath(filter), users[i].token);
    return json.next_batch;
  });
  const sendWindow = { start: Infinity, end: Infinity };
  let syncsInWindow = 0;
  const pollers = range(clients).map(async (i) => {
    let since = sincePerClient[i];
    while (!abort.signal.aborted) {
      try {
        const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(SYNC_TIMEOUT_MS * 2)]);
        const { json } = await request(
          base,
          'GET',
          syncPath(filter, since, SYNC_TIMEOUT_MS),
          users[i].token,
          undefined,
          signal,
        );
        const now = performance.now();
        syncResponses++;
        if (now >= sendWindow.start && now <= sendWindow.end) syncsInWindow++;
        since = json.next_batch;
        for (const room of Object.values(json.rooms?.join ?? {})) {
          if (room.timeline?.limited) {
            limitedTimelines++;
            lastLimitedAt[i] = now;
          }
          for (const event of room.timeline?.events ?? []) {
            let perClient = arrivals.get(event.event_id);
            if (!perClient) arrivals.set(event.event_id, (perClient = new Map()));
            perClient.set(i, [...(perClient.get(i) ?? []), now]);
          }
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        syncErrors++;
        log(`client${i} sync failed: ${err.message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  });

  // Send k is due at start + k/rate: a schedule, so a slow response never delays later sends.
  const sent = []; // { eventId, room, returnedAt }
  let sendErrors = 0;
  const inFlight = [];
  sendWindow.start = performance.now();
  sendWindow.end = sendWindow.start + durationS * 1000;
  for (let k = 0; k < total; k++) {
    const due = sendWindow.start + (k * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const room = k % rooms;
    inFlight.push(
      sendMessage(base, senders[room].token, roomIds[room], `bench ${k}`).then(
        ({ event_id }) => sent.push({ eventId: event_id, room, returnedAt: performance.now() }),
        (err) => {
          sendErrors++;
          log(`send ${k} failed: ${err.message}`);
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const sendSeconds = (performance.now() - sendWindow.start) / 1000;
  sendWindow.end = performance.now();

  const expected = sent.reduce((n, s) => n + receiversPerRoom[s.room], 0);
  const delivered = () =>
    sent.reduce(
      (n, s) => n + Math.min(arrivals.get(s.eventId)?.size ?? 0, receiversPerRoom[s.room]),
      0,
    );
  const stragglerDeadline = performance.now() + STRAGGLER_WAIT_MS;
  while (delivered() < expected && performance.now() < stragglerDeadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  abort.abort();
  await Promise.all(pollers);

  const latencies = [];
  let duplicated = 0;
  let beforeSendReturned = 0;
  let missedInLimitedGaps = 0;
  for (const s of sent) {
    const received = arrivals.get(s.eventId) ?? new Map();
    for (const client of range(clients)) {
      if (clientRoom[client] === s.room && !received.has(client)) {
        if (s.returnedAt < lastLimitedAt[client]) missedInLimitedGaps++;
      }
    }
    for (const [client, times] of received) {
      if (clientRoom[client] !== s.room) continue;
      duplicated += times.length - 1;
      const delta = times[0] - s.returnedAt;
      if (delta < 0) beforeSendReturned++;
      latencies.push(Math.max(0, delta));
    }
  }
  latencies.sort((a, b) => a - b);
  return {
    mode: 'latency',
    engine: values.engine,
    clients,
    rooms,
    targetRate: rate,
    durationS,
    setupS,
    sends: { attempted: total, ok: sent.length, failed: sendErrors },
    sendsPerSecond: Math.round(sent.length / sendSeconds),
    syncsPerSecond: Math.round(syncsInWindow / sendSeconds),
    syncResponses,
    syncErrors,
    limitedTimelines,
    deliveries: latencies.length,
    expectedDeliveries: expected,
    missed: expected - latencies.length,
    missedInLimitedGaps,
    duplicated,
    beforeSendReturned,
    latencyMs: {
      p50: ms(percentile(latencies, 50)),
      p90: ms(percentile(latencies, 90)),
      p99: ms(percentile(latencies, 99)),
      max: ms(latencies.length ? latencies[latencies.length - 1] : null),
    },
  };
}

async function initial(base) {
  const rooms = positiveInt('rooms', 100);
  const members = positiveInt('members');
  const events = positiveInt('events');
  const runs = positiveInt('runs');

  const setupStart = performance.now();
  const phases = {};
  let phaseStart = setupStart;
  const phase = (name) => {
    phases[name] = seconds(phaseStart);
    phaseStart = performance.now();
    log(`setup ${name}: ${phases[name]} s`);
  };
  // The measured user is member 0 and creates every room; the others join.
  const users = await pool(range(members), SETUP_CONCURRENCY, (i) =>
    register(base, i === 0 ? 'subject' : `member${i}`),
  );
  phase('register');
  const roomIds = await pool(range(rooms), SETUP_CONCURRENCY, async () => {
    return (
      await call(base, 'POST', '/chat/client/v3/createRoom', users[0].token, {
        preset: 'public_chat',
      })
    ).room_id;
  });
  phase('createRoom');
  const joins = roomIds.flatMap((roomId) => users.slice(1).map((u) => ({ roomId, u })));
  await pool(joins, SETUP_CONCURRENCY, ({ roomId, u }) =>
    call(base, 'POST', roomPath(roomId, 'join'), u.token, {}),
  );
  phase('join');
  // Round-robin over rooms first, so concurrent sends land in different rooms.
  const messages = range(rooms * events).map((k) => ({
    room: k % rooms,
    n: Math.floor(k / rooms),
  }));
  await pool(messages, SETUP_CONCURRENCY, ({ room, n }) =>
    sendMessage(base, users[n % members].token, roomIds[room], `message ${n}`),
  );
  phase('send');
  const setupS = seconds(setupStart);

  const variants = {
    lazyLoadFilter: { room: { timeline: { limit: 10 }, state: { lazy_load_members: true } } },
    noFilter: undefined,
  };
  const results = {};
  for (const [name, filter] of Object.entries(variants)) {
    const samples = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const { json, bytes } = await request(base, 'GET', syncPath(filter), users[0].token);
      samples.push({
        ms: performance.now() - t0,
        bytes,
        rooms: Object.keys(json.rooms?.join ?? {}).length,
      });
      log(`${name} run ${r + 1}: ${ms(samples[r].ms)} ms, ${bytes} bytes`);
    }
    const times = samples.map((s) => s.ms).sort((a, b) => a - b);
    results[name] = {
      minMs: ms(times[0]),
      medianMs: ms(times[Math.floor(times.length / 2)]),
      bytes: samples[0].bytes,
      rooms: samples[0].rooms,
    };
  }
  return {
    mode: 'initial',
    engine: values.engine,
    rooms,
    members,
    eventsPerRoom: events,
    runs,
    setupS,
    setupPhasesS: phases,
    ...results,
  };
}

function table(result) {
  const rows =
    result.mode === 'latency'
      ? {
          deliveries: `${result.deliveries} / ${result.expectedDeliveries}`,
          'p50 / p90 / p99 / max ms': Object.values(result.latencyMs).join(' / '),
          'missed (in limited gaps) / duplicated': `${result.missed} (${result.missedInLimitedGaps}) / ${result.duplicated}`,
          'sends/s (target)': `${result.sendsPerSecond} (${result.targetRate})`,
          'syncs/s': result.syncsPerSecond,
        }
      : {
          'setup s': result.setupS,
          ...Object.fromEntries(
            ['lazyLoadFilter', 'noFilter'].map((v) => [
              v,
              `min ${result[v].minMs} ms, median ${result[v].medianMs} ms, ` +
                `${result[v].bytes} bytes, ${result[v].rooms} rooms`,
            ]),
          ),
        };
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  return Object.entries(rows)
    .map(([k, v]) => `${k.padEnd(width)}  ${v}`)
    .join('\n');
}

function benchCpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** utime + stime of the server from /proc (Linux; clock ticks are 100 Hz there). */
function serverCpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

async function main() {
  const modes = { latency, initial };
  if (!modes[MODE])
    throw new Error('usage: node tools/sync-bench.js latency|initial --engine sqlite|postgres');
  const { base, stop, pid } = await startServer(values.engine);
  const deadline = setTimeout(() => {
    log(`run exceeded ${RUN_DEADLINE_MS / 60_000} min; stopping`);
    stop().finally(() => process.exit(1));
  }, RUN_DEADLINE_MS);
  try {
    const cpuBefore = { bench: benchCpuSeconds(), server: serverCpuSeconds(pid) };
    const result = await modes[MODE](base);
    // Shared 2-core machines: CPU split and load say whether the figures measure the server.
    result.cpuS = {
      bench: +(benchCpuSeconds() - cpuBefore.bench).toFixed(1),
      server: +(serverCpuSeconds(pid) - cpuBefore.server).toFixed(1),
    };
    result.loadAverage1m = +loadavg()[0].toFixed(2);
    console.log(JSON.stringify(result, null, 2));
    log(`\n${MODE} (${values.engine})\n${table(result)}`);
  } finally {
    clearTimeout(deadline);
    await stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
