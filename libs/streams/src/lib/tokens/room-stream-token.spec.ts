import fc from 'fast-check';
import { RoomStreamToken } from './room-stream-token';
import { idFor, nameFor, WRITERS } from './instance-ids.fixture';
import { TokenError } from './token-error';

const parse = (text: string) => RoomStreamToken.parse(text, nameFor);

describe('RoomStreamToken', () => {
  it.each([
    ['s2633508', 's2633508'],
    ['s0', 's0'],
    ['t426-2633508', 't426-2633508'],
    ['t3--12', 't3--12'],
    ['m56~2.58~3.59', 'm56~2.58~3.59'],
    ['m56~3.59~2.58', 'm56~2.58~3.59'],
    ['m5~', 's5'],
    ['m5~1.9~', 'm5~1.9'],
  ])('%s → %s', async (text, expected) => {
    expect(await (await parse(text)).serialize(idFor)).toBe(expected);
  });

  it('reads each form into its parts', async () => {
    const live = await parse('m56~2.58~3.59');
    expect(live.min).toBe(56);
    expect(live.topological).toBeNull();
    expect([...live.writers]).toEqual([
      ['persister1', 58],
      ['persister2', 59],
    ]);
    const historic = await parse('t426-2633508');
    expect(historic.isHistoric).toBe(true);
    expect(historic.topological).toBe(426);
    expect(historic.min).toBe(2633508);
    expect((await parse('t3--12')).min).toBe(-12);
  });

  it('round-trips any live token', async () => {
    const arb = fc
      .record({
        min: fc.nat({ max: 10_000 }),
        ahead: fc.dictionary(fc.constantFrom(...WRITERS), fc.integer({ min: 1, max: 100 })),
      })
      .map(({ min, ahead }) =>
        RoomStreamToken.fromPositions(
          min,
          Object.entries(ahead).map(([w, d]) => [w, min + d]),
        ),
      );
    await fc.assert(
      fc.asyncProperty(arb, async (t) => {
        const back = await parse(await t.serialize(idFor));
        expect(back.min).toBe(t.min);
        expect(back.writers).toEqual(t.writers);
        expect(back.topological).toBeNull();
      }),
    );
  });

  it.each([
    '',
    's',
    'S5',
    's-1',
    's5.0',
    '5',
    'x5',
    't5',
    't5-',
    't-5-3',
    't5-3-',
    't5-3~2.4',
    'm5~2.5',
    'm5~2.6~2.7',
    'm5~7.9',
    'm5_2.7',
  ])('rejects %j', async (text) => {
    await expect(parse(text)).rejects.toBeInstanceOf(TokenError);
  });

  it('has room-token specific rules for historic tokens', async () => {
    const historic = RoomStreamToken.historic(10, 100);
    expect(() => historic.copyAndAdvance(RoomStreamToken.fromPositions(5))).toThrow(
      'cannot advance a historic room token',
    );
    expect(await historic.bound(50).serialize(idFor)).toBe('t10-50');
    expect(historic.isBeforeOrEq(RoomStreamToken.fromPositions(100))).toBe(true);
  });

  it('shares the multi-writer operations', async () => {
    const a = RoomStreamToken.fromPositions(5, [['persister1', 9]]);
    const b = RoomStreamToken.fromPositions(7, [['persister2', 8]]);
    const joined = a.copyAndAdvance(b);
    expect(joined).toBeInstanceOf(RoomStreamToken);
    expect(await joined.serialize(idFor)).toBe('m7~2.9~3.8');
    expect(joined.covers('persister1', 9)).toBe(true);
    expect(joined.covers('persister1', 10)).toBe(false);
    expect(joined.covers('main', 7)).toBe(true);
    expect(joined.covers('main', 8)).toBe(false);
    expect(await joined.bound(8).serialize(idFor)).toBe('m7~2.8~3.8');
  });
});
