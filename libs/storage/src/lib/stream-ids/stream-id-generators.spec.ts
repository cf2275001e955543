import { checkSequenceNotBehind } from './stream-id-generators';

const storage = { sequence: 'events_stream_seq', tables: [] };

/**
 * A sequence and its table while another writer allocates id 174 and commits it between the
 * check's two reads, whichever it makes first.
 */
function withConcurrentWriter() {
  const db = { sequenceLast: 173, tableMax: 173 };
  let reads = 0;
  const read = <T>(value: () => T) => {
    const seen = value();
    if (++reads === 1) {
      db.sequenceLast = 174;
      db.tableMax = 174;
    }
    return Promise.resolve(seen);
  };
  return {
    sequence: { lastValue: () => read(() => db.sequenceLast) },
    rows: { maxId: () => read(() => db.tableMax) },
  };
}

describe('checkSequenceNotBehind', () => {
  it('passes while another writer allocates and commits between its reads', async () => {
    const { sequence, rows } = withConcurrentWriter();
    await expect(checkSequenceNotBehind(storage, sequence, rows)).resolves.toBeUndefined();
  });

  it('refuses a sequence behind its table, naming the fix', async () => {
    await expect(
      checkSequenceNotBehind(
        storage,
        { lastValue: () => Promise.resolve(2) },
        { maxId: () => Promise.resolve(3) },
      ),
    ).rejects.toThrow(/events_stream_seq \(last value 2\) is behind .* \(3\).*setval/s);
  });
});
