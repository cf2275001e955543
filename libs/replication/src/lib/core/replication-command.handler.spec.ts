import { STREAM_NAMES } from '@chat/streams';
import type { PositionCommand, RdataCommand } from '../commands/replication-command';
import { FakeDbStream, type FakeRow, FakeStreamTable } from '../testing/fake-db-stream.fixture';
import { ReplicationCommandHandler } from './replication-command.handler';
import { type AppliedRows, ReplicationDataHandler } from './replication-data.handler';
import { StreamRegistry } from './stream-registry';

const STREAM = STREAM_NAMES.receipts;

const rdata = (instance: string, token: number | null, label: string): RdataCommand => ({
  name: 'RDATA',
  stream: STREAM,
  instance,
  token,
  row: [label],
});

const position = (instance: string, prevToken: number, newToken: number): PositionCommand => ({
  name: 'POSITION',
  stream: STREAM,
  instance,
  prevToken,
  newToken,
});

/** A receiving process: its view of the stream, the data handler, and what it applied. */
async function receiver(
  table: FakeStreamTable,
  writers: string[],
  opts: { resets?: boolean } = {},
) {
  const stream = await FakeDbStream.open(table, {
    name: STREAM,
    instanceName: 'reader',
    writers,
    resets: opts.resets,
  });
  const registry = new StreamRegistry([stream]);
  const data = new ReplicationDataHandler(registry);
  const applied: AppliedRows[] = [];
  data.addHook('invalidateCaches', (rows) => void applied.push(rows));
  data.addHook('advancePosition', ({ writer, token }) => stream.advance(writer, token));
  const handler = new ReplicationCommandHandler({ registry, applier: data });
  /** Rows applied, as `token:label`, in application order. */
  const rows = () => applied.flatMap((a) => a.rows.map((r) => `${a.token}:${(r as FakeRow)[0]}`));
  return { stream, handler, applied, rows };
}

async function writer(table: FakeStreamTable, name: string, writers: string[]) {
  return FakeDbStream.open(table, { name: STREAM, instanceName: name, writers });
}

describe('ReplicationCommandHandler', () => {
  let table: FakeStreamTable;

  beforeEach(() => {
    table = new FakeStreamTable();
  });

  it('ignores rows until a POSITION was processed, then catches up from the stream', async () => {
    const w = await writer(table, 'w1', ['w1']);
    const r = await receiver(table, ['w1']);
    const t1 = await w.write(['a']);

    await r.handler.onRdata(rdata('w1', t1, 'a'));
    expect(r.applied).toEqual([]);
    expect(r.handler.isConnected(STREAM, 'w1')).toBe(false);

    await r.handler.onPosition(position('w1', t1, t1));
    expect(r.rows()).toEqual([`${t1}:a`]);
    expect(r.applied.at(-1)).toEqual({ stream: STREAM, writer: 'w1', token: t1, rows: [] });
    expect(r.handler.isConnected(STREAM, 'w1')).toBe(true);

    const t2 = await w.write(['b']);
    await r.handler.onRdata(rdata('w1', t2, 'b'));
    expect(r.rows()).toEqual([`${t1}:a`, `${t2}:b`]);
    expect(r.stream.currentToken('w1')).toBe(t2);
  });

  it('fills a gap in pages of 100 rows, one applyRows per token', async () => {
    const w = await writer(table, 'w1', ['w1']);
    const r = await receiver(table, ['w1']);
    for (let i = 0; i < 230; i++) await w.write([`r${i}`]);
    const grouped = await w.write(['g1'], ['g2'], ['g3']);
    const pages = jest.spyOn(r.stream, 'getUpdatesSince');

    await r.handler.onPosition(position('w1', grouped, grouped));

    expect(pages.mock.calls.map((call) => call[3])).toEqual([100, 100, 100]);
    expect(pages.mock.calls.map((call) => call[1])).toEqual([1, 101, 201]);
    expect(r.rows()).toEqual(table.rowsOf('w1').map(([token, [label]]) => `${token}:${label}`));
    expect(r.applied.find((a) => a.token === grouped)?.rows).toEqual([['g1'], ['g2'], ['g3']]);
    expect(r.stream.currentToken('w1')).toBe(grouped);
  });

  it('applies a batch as one group when its numeric token arrives', async () => {
    const w = await writer(table, 'w1', ['w1']);
    const r = await receiver(table, ['w1']);
    await r.handler.onPosition(position('w1', 1, 1));
    const token = await w.write(['a'], ['b'], ['c']);

    await r.handler.onRdata(rdata('w1', null, 'a'));
    await r.handler.onRdata(rdata('w1', null, 'b'));
    expect(r.rows()).toEqual([]);
    await r.handler.onRdata(rdata('w1', token, 'c'));

    expect(r.applied.filter((a) => a.rows.length > 0)).toEqual([
      { stream: STREAM, writer: 'w1', token, rows: [['a'], ['b'], ['c']] },
    ]);
  });

  it('keeps batches per writer on a stream several processes write', async () => {
    const a = await writer(table, 'a', ['a', 'b']);
    const b = await writer(table, 'b', ['a', 'b']);
    const r = await receiver(table, ['a', 'b']);
    await r.handler.onPosition(position('a', 1, 1));
    const ta = await a.write(['a1'], ['a2']);
    const tb = await b.write(['b1']);

    await r.handler.onRdata(rdata('a', null, 'a1'));
    await r.handler.onRdata(rdata('b', tb, 'b1'));
    await r.handler.onPosition(position('b', tb, tb));
    await r.handler.onRdata(rdata('a', ta, 'a2'));

    expect(r.applied.filter((x) => x.rows.length > 0)).toEqual([
      { stream: STREAM, writer: 'b', token: tb, rows: [['b1']] },
      { stream: STREAM, writer: 'a', token: ta, rows: [['a1'], ['a2']] },
    ]);
  });

  it("discards the writer's partial batch on POSITION; catch-up re-reads it exactly once", async () => {
    const w = await writer(table, 'w1', ['w1']);
    const r = await receiver(table, ['w1']);
    await r.handler.onPosition(position('w1', 1, 1));
    const token = await w.write(['x'], ['y']);

    await r.handler.onRdata(rdata('w1', null, 'x'));
    await r.handler.onPosition(position('w1', token, token));
    await r.handler.onRdata(rdata('w1', token, 'y'));

    expect(r.rows()).toEqual([`${token}:x`, `${token}:y`]);
  });

  it("catches up a writer's lost rows even when others' progress moved its tracked position", async () => {
    const w1 = await writer(table, 'w1', ['w1', 'w2']);
    const r = await receiver(table, ['w1', 'w2']);
    await r.handler.onPosition(position('w1', 1, 1));
    await r.handler.onPosition(position('w2', 1, 1));
    const lost = await w1.write(['lost on the bus']);
    r.handler.connectionLost();

    // w2, idle, has seen id 2 allocated: its position follows (§5.4). The reader's tracker now
    // counts everything up to 2 as persisted, w1's row included.
    await r.handler.onPosition(position('w2', 1, lost));
    expect(r.stream.currentToken('w1')).toBe(lost);
    await r.handler.onPosition(position('w1', lost, lost));

    expect(r.rows()).toEqual([`${lost}:lost on the bus`]);
  });

  it("waits for each writer's own POSITION: another writer's does not let its rows through", async () => {
    const w1 = await writer(table, 'w1', ['w1', 'w2']);
    const r = await receiver(table, ['w1', 'w2']);
    await r.handler.onPosition(position('w1', 1, 1));
    r.handler.connectionLost();
    const missed = await w1.write(['missed']);
    const next = await w1.write(['next']);

    await r.handler.onPosition(position('w2', 1, 1));
    await r.handler.onRdata(rdata('w1', next, 'next'));
    expect(r.rows()).toEqual([]);

    await r.handler.onPosition(position('w1', next, next));
    expect(r.rows()).toEqual([`${missed}:missed`, `${next}:next`]);
  });

  it('drops stale and duplicate rows', async () => {
    const w = await writer(table, 'w1', ['w1']);
    const r = await receiver(table, ['w1']);
    const t1 = await w.write(['a']);
    const t2 = await w.write(['b']);
    await r.handler.onPosition(position('w1', t2, t2));

    await r.handler.onRdata(rdata('w1', t1, 'a'));
    await r.handler.onRdata(rdata('w1', t2, 'b'));

    expect(r.rows()).toEqual([`${t1}:a`, `${t2}:b`]);
  });

  it('drops a POSITION that says nothing new without queueing or reading', async () => {
    const w = await writer(table, 'w1', ['w1']);
    const r = await receiver(table, ['w1']);
    const t1 = await w.write(['a']);
    await r.handler.onPosition(position('w1', t1, t1));
    const applied = r.applied.length;
    const pages = jest.spyOn(r.stream, 'getUpdatesSince');
    const discard = jest.spyOn(r.stream, 'canDiscardPosition');

    await r.handler.onPosition(position('w1', 1, t1));

    expect(discard).toHaveBeenCalledWith('w1', 1, t1);
    expect(pages).not.toHaveBeenCalled();
    expect(r.applied).toHaveLength(applied);
  });

  it('never runs an RDATA while a catch-up of its stream is in progress', async () => {
    const w = await writer(table, 'w1', ['w1']);
    const r = await receiver(table, ['w1']);
    const t1 = await w.write(['a']);
    const t2 = await w.write(['b']);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    jest.spyOn(r.stream, 'getUpdatesSince').mockImplementationOnce(async (...args) => {
      await gate;
      return table.page(...args);
    });

    const catchUp = r.handler.onPosition(position('w1', t1, t1));
    const row = r.handler.onRdata(rdata('w1', t2, 'b'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.applied).toEqual([]);
    open();
    await Promise.all([catchUp, row]);

    expect(r.rows()).toEqual([`${t1}:a`, `${t2}:b`]);
  });

  it('reads a reset stream from its start (typing after its writer restarted)', async () => {
    const r = await receiver(table, ['w1'], { resets: true });
    r.stream.advance('w1', 10);
    await r.handler.onPosition(position('w1', 10, 10));
    const pages = jest.spyOn(r.stream, 'getUpdatesSince');

    await r.handler.onPosition(position('w1', 3, 3));

    expect(pages).toHaveBeenCalledWith('w1', 0, 3, 100);
    expect(r.applied.at(-1)).toEqual({ stream: STREAM, writer: 'w1', token: 3, rows: [] });
    expect(r.handler.isConnected(STREAM, 'w1')).toBe(true);
  });

  it('after a lost subscription, drops partial batches and ignores rows until the next POSITION', async () => {
    const w = await writer(table, 'w1', ['w1']);
    const r = await receiver(table, ['w1']);
    await r.handler.onPosition(position('w1', 1, 1));
    const t1 = await w.write(['a'], ['b']);
    const t2 = await w.write(['c']);

    await r.handler.onRdata(rdata('w1', null, 'a'));
    r.handler.connectionLost();
    expect(r.handler.isConnected(STREAM, 'w1')).toBe(false);
    await r.handler.onRdata(rdata('w1', t1, 'b'));
    await r.handler.onRdata(rdata('w1', t2, 'c'));
    expect(r.rows()).toEqual([]);

    await r.handler.onPosition(position('w1', t2, t2));
    expect(r.rows()).toEqual([`${t1}:a`, `${t1}:b`, `${t2}:c`]);
  });

  it('ignores streams it does not know', async () => {
    const r = await receiver(table, ['w1']);
    await r.handler.onRdata({ ...rdata('w1', 5, 'a'), stream: 'not_a_stream' });
    await r.handler.onPosition({ ...position('w1', 1, 5), stream: 'not_a_stream' });
    expect(r.applied).toEqual([]);
  });

  it('rejects a malformed row and keeps serving the queue', async () => {
    const w = await writer(table, 'w1', ['w1']);
    const r = await receiver(table, ['w1']);
    await r.handler.onPosition(position('w1', 1, 1));
    const t1 = await w.write(['a']);

    await expect(r.handler.onRdata({ ...rdata('w1', t1, 'a'), row: { a: 1 } })).rejects.toThrow(
      /malformed/,
    );
    await r.handler.onRdata(rdata('w1', t1, 'a'));
    expect(r.rows()).toEqual([`${t1}:a`]);
  });

  it('gives up on a catch-up that makes no progress instead of looping', async () => {
    const r = await receiver(table, ['w1']);
    jest
      .spyOn(r.stream, 'getUpdatesSince')
      .mockResolvedValue({ updates: [], uptoToken: 1, limited: true });

    await expect(r.handler.onPosition(position('w1', 5, 5))).rejects.toThrow(/stuck at 1/);
    expect(r.handler.isConnected(STREAM, 'w1')).toBe(false);
  });
});
