#!/usr/bin/env node
// Event-sending figures for the closing notes until the benchmark harness exists: throughput of
// R rooms × S concurrent senders, and sequential send latency. Starts the built main app on a
// fresh database (SQLite file, or a new PostgreSQL database) and drives it over HTTP.
//
//   node tools/send-bench.js --engine sqlite|postgres [--rooms 50] [--senders 10] [--messages 10]
//                            [--sequential 300]
const { parseArgs } = require('node:util');

const { call, percentile, register, startServer } = require('./bench-support');

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'sqlite' },
    rooms: { type: 'string', default: '50' },
    senders: { type: 'string', default: '10' },
    messages: { type: 'string', default: '10' },
    sequential: { type: 'string', default: '300' },
  },
});
const ROOMS = Number(values.rooms);
const SENDERS = Number(values.senders);
const MESSAGES = Number(values.messages);
const SEQUENTIAL = Number(values.sequential);

async function main() {
  const { base, stop } = await startServer(values.engine);
  try {
    const { token: owner } = await register(base, 'owner');
    const senders = [];
    for (let i = 0; i < SENDERS; i++) senders.push((await register(base, `sender${i}`)).token);
    const rooms = [];
    for (let r = 0; r < ROOMS; r++) {
      const { room_id } = await call(base, 'POST', '/chat/client/v3/createRoom', owner, {
        preset: 'public_chat',
      });
      rooms.push(room_id);
      await Promise.all(
        senders.map((t) =>
          call(base, 'POST', `/chat/client/v3/rooms/${encodeURIComponent(room_id)}/join`, t, {}),
        ),
      );
    }
    let txn = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      rooms.flatMap((room) =>
        senders.map(async (token) => {
          for (let m = 0; m < MESSAGES; m++) {
            await call(
              base,
              'PUT',
              `/chat/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.message/t${txn++}`,
              token,
              { msgtype: 'm.text', body: `message ${m}` },
            );
          }
        }),
      ),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const total = ROOMS * SENDERS * MESSAGES;
    const latencies = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const t0 = process.hrtime.bigint();
      await call(
        base,
        'PUT',
        `/chat/client/v3/rooms/${encodeURIComponent(rooms[0])}/send/m.room.message/s${i}`,
        owner,
        { msgtype: 'm.text', body: `seq ${i}` },
      );
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    latencies.sort((a, b) => a - b);
    const result = {
      engine: values.engine,
      concurrent: {
        rooms: ROOMS,
        senders: SENDERS,
        events: total,
        seconds: +seconds.toFixed(2),
        eventsPerSecond: Math.round(total / seconds),
      },
      sequential: {
        sends: SEQUENTIAL,
        p50Ms: +percentile(latencies, 50).toFixed(2),
        p99Ms: +percentile(latencies, 99).toFixed(2),
        maxMs: +latencies[latencies.length - 1].toFixed(2),
      },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
