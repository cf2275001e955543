import { readUpdatesPage, type RecordReader } from './update-pages';

interface Rec {
  streamId: number;
  label: string;
}

/** An ordered table read like the SQL store reads, counting the reads. */
function table(...rows: Array<[number, string]>) {
  const records: Rec[] = rows.map(([streamId, label]) => ({ streamId, label }));
  const reads: Array<[number, number, number | undefined]> = [];
  const read: RecordReader<Rec> = async (after, upTo, limit) => {
    reads.push([after, upTo, limit]);
    const inRange = records.filter((r) => r.streamId > after && r.streamId <= upTo);
    return limit === undefined ? inRange : inRange.slice(0, limit);
  };
  return { read, reads };
}

const one = (record: Rec) => [record.label];

describe('readUpdatesPage', () => {
  it('returns an empty, complete page for an empty or reversed range', async () => {
    const { read, reads } = table([3, 'a']);
    expect(await readUpdatesPage(read, one, 5, 5, 10)).toEqual({
      updates: [],
      uptoToken: 5,
      limited: false,
    });
    expect(await readUpdatesPage(read, one, 5, 4, 10)).toMatchObject({ limited: false });
    expect(reads).toEqual([]);
  });

  it('refuses a page size below one', async () => {
    const { read } = table();
    await expect(readUpdatesPage(read, one, 0, 5, 0)).rejects.toThrow(/at least one row/);
  });

  it('covers the whole range when everything fits', async () => {
    const { read } = table([2, 'a'], [4, 'b']);
    expect(await readUpdatesPage(read, one, 0, 9, 2)).toEqual({
      updates: [
        [2, 'a'],
        [4, 'b'],
      ],
      uptoToken: 9,
      limited: false,
    });
  });

  it('drops a token the SQL limit may have cut short, and reads a token larger than a page whole', async () => {
    const { read, reads } = table([2, 'a'], [3, 'b'], [3, 'c'], [3, 'd']);
    const first = await readUpdatesPage(read, one, 0, 9, 2);
    expect(first).toEqual({ updates: [[2, 'a']], uptoToken: 2, limited: true });
    const second = await readUpdatesPage(read, one, 2, 9, 2);
    expect(second).toEqual({
      updates: [
        [3, 'b'],
        [3, 'c'],
        [3, 'd'],
      ],
      uptoToken: 3,
      limited: true,
    });
    expect(reads.slice(1)).toEqual([
      [2, 9, 3],
      [2, 3, undefined],
    ]);
    expect(await readUpdatesPage(read, one, 3, 9, 2)).toEqual({
      updates: [],
      uptoToken: 9,
      limited: false,
    });
  });

  it('counts rows, not records, when a record stands for several', async () => {
    const { read } = table([2, 'a'], [3, 'b'], [4, 'c']);
    const pair = (record: Rec) => [record.label, record.label.toUpperCase()];
    expect(await readUpdatesPage(read, pair, 0, 9, 3)).toEqual({
      updates: [
        [2, 'a'],
        [2, 'A'],
      ],
      uptoToken: 2,
      limited: true,
    });
    // Complete read, but over the limit in rows: cut between tokens all the same.
    expect(await readUpdatesPage(read, pair, 2, 9, 3)).toEqual({
      updates: [
        [3, 'b'],
        [3, 'B'],
      ],
      uptoToken: 3,
      limited: true,
    });
  });

  it('covers the tokens of records that stand for no row', async () => {
    const { read } = table([2, ''], [3, ''], [4, 'c']);
    const unlessEmpty = (record: Rec) => (record.label ? [record.label] : []);
    expect(await readUpdatesPage(read, unlessEmpty, 0, 9, 1)).toEqual({
      updates: [],
      uptoToken: 2,
      limited: true,
    });
  });
});
