import fc from 'fast-check';
import { MatrixError } from '@chat/protocol';
import { MultiWriterStreamToken } from './multi-writer-stream-token';
import { isRowInRange } from './multi-writer-token';
import { idFor, nameFor, WRITERS } from './instance-ids.fixture';
import { TokenError } from './token-error';

const token = (min: number, writers: Record<string, number> = {}) =>
  MultiWriterStreamToken.fromPositions(min, Object.entries(writers));

const arbToken = fc
  .record({
    min: fc.nat({ max: 1000 }),
    ahead: fc.dictionary(fc.constantFrom(...WRITERS), fc.integer({ min: 1, max: 50 })),
  })
  .map(({ min, ahead }) =>
    token(min, Object.fromEntries(Object.entries(ahead).map(([w, d]) => [w, min + d]))),
  );

describe('MultiWriterStreamToken', () => {
  describe('parse / serialize', () => {
    it.each([
      ['7', '7'],
      ['0', '0'],
      ['m5~2.7', 'm5~2.7'],
      ['m5~3.9~2.7', 'm5~2.7~3.9'],
      ['m5~2.7~', 'm5~2.7'],
      ['m5~', '5'],
      ['m5', '5'],
    ])('%s → %s', async (text, expected) => {
      expect(await (await MultiWriterStreamToken.parse(text, nameFor)).serialize(idFor)).toBe(
        expected,
      );
    });

    it('round-trips any token', async () => {
      await fc.assert(
        fc.asyncProperty(arbToken, async (t) => {
          const text = await t.serialize(idFor);
          const back = await MultiWriterStreamToken.parse(text, nameFor);
          expect(back.min).toBe(t.min);
          expect(back.writers).toEqual(t.writers);
        }),
      );
    });

    it('resolves instance ids through an async lookup', async () => {
      const parsed = await MultiWriterStreamToken.parse('m5~2.7', async (id) => nameFor(id));
      expect(parsed.posFor('persister1')).toBe(7);
      expect(await parsed.serialize(async (name) => idFor(name))).toBe('m5~2.7');
    });

    it.each([
      ['', 'empty'],
      ['-1', 'negative'],
      ['s5', 'room prefix'],
      ['5.5', 'fraction'],
      [' 5', 'whitespace'],
      ['99999999999999999999', 'unsafe integer'],
      ['m', 'no minimum'],
      ['m5~2', 'entry without position'],
      ['m5~2.', 'entry with empty position'],
      ['m5~.7', 'entry with empty id'],
      ['m5~x.7', 'non-numeric id'],
      ['m5~2.5', 'entry equal to the minimum'],
      ['m5~2.4', 'entry below the minimum'],
      ['m5~2.6~2.7', 'duplicate instance'],
      ['m5~9.7', 'unknown instance id'],
      ['m5~~2.7', 'empty middle part'],
      ['m5~2.7~~', 'two empty trailing parts'],
    ])('rejects %j (%s) with 400 M_INVALID_PARAM', async (text) => {
      const attempt = MultiWriterStreamToken.parse(text, nameFor);
      await expect(attempt).rejects.toBeInstanceOf(TokenError);
      await expect(attempt).rejects.toMatchObject({ status: 400, errcode: 'M_INVALID_PARAM' });
      await expect(attempt).rejects.toBeInstanceOf(MatrixError);
    });
  });

  describe('ordering operations', () => {
    const a = token(5, { persister1: 8 });
    const b = token(6, { persister2: 9 });

    it('posFor falls back to the minimum; maxPos is the highest writer', () => {
      expect(a.posFor('persister1')).toBe(8);
      expect(a.posFor('persister2')).toBe(5);
      expect(a.maxPos()).toBe(8);
      expect(token(5).maxPos()).toBe(5);
    });

    it('fromPositions drops writers not ahead of the minimum', () => {
      expect([...token(5, { main: 5, persister1: 4, persister2: 6 }).writers]).toEqual([
        ['persister2', 6],
      ]);
    });

    it('isBeforeOrEq compares every writer, so vector clocks can be incomparable', () => {
      expect(a.isBeforeOrEq(b)).toBe(false);
      expect(b.isBeforeOrEq(a)).toBe(false);
      expect(a.isBeforeOrEq(a)).toBe(true);
      expect(token(5).isBeforeOrEq(a)).toBe(true);
      expect(a.isBeforeOrEq(token(8))).toBe(true);
      expect(token(6).isBeforeOrEq(a)).toBe(false);
    });

    it('copyAndAdvance takes the component-wise maximum and drops entries at the new minimum', async () => {
      expect(await a.copyAndAdvance(b).serialize(idFor)).toBe('m6~2.8~3.9');
      expect(await a.copyAndAdvance(token(8)).serialize(idFor)).toBe('8');
    });

    it('copyAndAdvance is the least upper bound', () => {
      fc.assert(
        fc.property(arbToken, arbToken, (x, y) => {
          const joined = x.copyAndAdvance(y);
          expect(x.isBeforeOrEq(joined)).toBe(true);
          expect(y.isBeforeOrEq(joined)).toBe(true);
          for (const w of WRITERS) {
            expect(joined.posFor(w)).toBe(Math.max(x.posFor(w), y.posFor(w)));
          }
        }),
      );
    });

    it('bound clamps every position to the max allocated id', async () => {
      const t = token(5, { persister1: 8, persister2: 12 });
      expect(await t.bound(10).serialize(idFor)).toBe('m5~2.8~3.10');
      expect(await t.bound(7).serialize(idFor)).toBe('m5~2.7~3.7');
      expect(await t.bound(3).serialize(idFor)).toBe('3');
      expect(t.bound(100)).toEqual(t);
    });
  });

  describe('isRowInRange', () => {
    const low = token(5, { persister1: 8 });
    const high = token(10, { persister2: 12 });

    it.each([
      ['persister1', 8, false],
      ['persister1', 9, true],
      ['persister1', 10, true],
      ['persister1', 11, false],
      ['persister2', 5, false],
      ['persister2', 6, true],
      ['persister2', 12, true],
      ['persister2', 13, false],
      [null, 6, true],
      [null, 11, false],
    ])('(%s, %d) in (low, high] is %s', (writer, pos, expected) => {
      expect(isRowInRange(low, high, writer, pos)).toBe(expected);
    });

    it('treats rows without an instance as written by main', () => {
      const lowMain = token(5, { main: 9 });
      expect(isRowInRange(lowMain, high, null, 9)).toBe(false);
      expect(isRowInRange(lowMain, high, null, 10)).toBe(true);
    });
  });
});
