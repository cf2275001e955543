import { waitUntil } from '@chat/testing';
import { STREAM_NAMES } from '@chat/streams';
import {
  InProcessReplicationHub,
  InProcessReplicationTransport,
} from '../bus/in-process-replication.transport';
import { seededRandom } from '../bus/seeded-random';
import { FakeDbStream, type FakeRow, FakeStreamTable } from '../testing/fake-db-stream.fixture';
import { startReplicatingProcess } from '../testing/replicating-process.fixture';

const WRITERS = ['w1', 'w2'];

async function startProcess(
  hub: InProcessReplicationHub,
  table: FakeStreamTable,
  name: string,
  seed: number,
  duplicateProbability: number,
) {
  const transport = new InProcessReplicationTransport(hub, {
    instanceName: name,
    torture: { seed, shuffleWindow: 4, delayMs: 2, dropProbability: 0.02, duplicateProbability },
  });
  const stream = await FakeDbStream.open(table, {
    name: STREAM_NAMES.receipts,
    instanceName: name,
    writers: WRITERS,
  });
  return startReplicatingProcess(transport, stream);
}

/** Random transactions: rows under one token, rollbacks, and commits out of allocation order. */
async function writeRandomly(stream: FakeDbStream, random: () => number, steps: number) {
  for (let i = 0; i < steps; i++) {
    const r = random();
    const rows = Array.from(
      { length: 1 + Math.floor(random() * 3) },
      (_, k): FakeRow => [`${i}.${k}`],
    );
    if (r < 0.6) {
      await stream.write(...rows);
    } else if (r < 0.75) {
      await (await stream.begin()).rollback();
    } else {
      const first = await stream.begin();
      const second = await stream.begin();
      await second.commit(rows);
      await first.commit([[`${i}.first`]]);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * One reader and two writers on one shared sequence, every process on a tortured bus; resolves
 * once the reader has reached every writer's position, which it moves after the rows of its
 * token, so every row has arrived by then.
 */
async function converge(
  seed: number,
  duplicateProbability: number,
  check: (reader: Process, writers: Process[], table: FakeStreamTable) => void,
): Promise<void> {
  const hub = new InProcessReplicationHub();
  const table = new FakeStreamTable();
  const start = (name: string, offset: number) =>
    startProcess(hub, table, name, seed * 100 + offset, duplicateProbability);
  const reader = await start('reader', 0);
  const writers = await Promise.all(WRITERS.map((w, i) => start(w, i + 1)));
  const random = seededRandom(seed);
  try {
    await Promise.all(writers.map((w) => writeRandomly(w.stream, random, 120)));
    await waitUntil("the reader to reach every writer's position", () =>
      writers.every((w) => reader.stream.currentToken(w.name) === w.stream.currentToken(w.name)),
    );
    // The torture did happen: subscriptions were lost and recovered along the way.
    const connections = [reader, ...writers].map((p) => p.transport.stats.connections);
    expect(connections.reduce((a, b) => a + b)).toBeGreaterThan(connections.length);
    check(reader, writers, table);
  } finally {
    await Promise.all([reader, ...writers].map((p) => p.close()));
  }
}

type Process = Awaited<ReturnType<typeof startProcess>>;

describe('replication over a lossy, reordering bus (seeded)', () => {
  it.each([1, 2, 3, 4, 5, 6])(
    'seed %i: the reader applies every row exactly once, in order, and reaches every position',
    (seed) =>
      converge(seed, 0, (reader, writers, table) => {
        for (const w of writers) {
          expect(reader.applied(w.name)).toEqual(table.rowKeysOf(w.name));
        }
      }),
  );
});

/**
 * Redis never delivers a message twice, so the receiver does not try to tell a repeated row of a
 * multi-row token from a second, equal row: a duplicate may apply a row twice. What a row does
 * (invalidate, wake, move a position) is idempotent, so the state still converges.
 */
describe('replication over a lossy, duplicating, reordering bus (seeded)', () => {
  it.each([1, 2, 3, 4, 5, 6])(
    'seed %i: the reader applies every row in order, repeats only a duplicated one, and reaches every position',
    (seed) =>
      converge(seed, 0.1, (reader, writers, table) => {
        expect(reader.transport.duplicated).toBeGreaterThan(0);
        for (const w of writers) {
          const applied = reader.applied(w.name);
          const repeats = applied.filter((row, i) => i > 0 && applied[i - 1] === row);
          expect(applied.filter((row, i) => i === 0 || applied[i - 1] !== row)).toEqual(
            table.rowKeysOf(w.name),
          );
          expect(repeats.length).toBeLessThanOrEqual(reader.transport.duplicated);
        }
      }),
  );
});
