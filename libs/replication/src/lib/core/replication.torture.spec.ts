import { STREAM_NAMES } from '@chat/streams';
import {
  InProcessReplicationHub,
  InProcessReplicationTransport,
} from '../bus/in-process-replication.transport';
import { seededRandom } from '../bus/seeded-random';
import { FakeDbStream, type FakeRow, FakeStreamTable } from '../testing/fake-db-stream.fixture';
import { startReplicatingProcess } from '../testing/replicating-process.fixture';
import { waitFor } from '../testing/wait-for.fixture';

const WRITERS = ['w1', 'w2'];

async function startProcess(
  hub: InProcessReplicationHub,
  table: FakeStreamTable,
  name: string,
  seed: number,
) {
  const transport = new InProcessReplicationTransport(hub, {
    instanceName: name,
    torture: { seed, shuffleWindow: 4, delayMs: 2, dropProbability: 0.02 },
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

describe('replication over a lossy, reordering bus (seeded)', () => {
  it.each([1, 2, 3, 4, 5, 6])(
    'seed %i: the reader applies every row exactly once, in order, and reaches every position',
    async (seed) => {
      const hub = new InProcessReplicationHub();
      const table = new FakeStreamTable();
      const reader = await startProcess(hub, table, 'reader', seed * 100);
      const writers = await Promise.all(
        WRITERS.map((w, i) => startProcess(hub, table, w, seed * 100 + i + 1)),
      );
      const random = seededRandom(seed);

      try {
        await Promise.all(writers.map((w) => writeRandomly(w.stream, random, 120)));

        // A position moves after the rows of its token, so reached positions mean all rows.
        await waitFor("the reader to reach every writer's position", () =>
          writers.every(
            (w) => reader.stream.currentToken(w.name) === w.stream.currentToken(w.name),
          ),
        );
        for (const w of writers) {
          expect(reader.applied(w.name)).toEqual(table.rowKeysOf(w.name));
        }
        // The torture did happen: subscriptions were lost and recovered along the way.
        const connections = [reader, ...writers].map((p) => p.transport.stats.connections);
        expect(connections.reduce((a, b) => a + b)).toBeGreaterThan(connections.length);
      } finally {
        await Promise.all([reader, ...writers].map((p) => p.close()));
      }
    },
  );
});
