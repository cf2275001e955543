import { vectorsIn } from '../../test-vectors/vectors';
import { getRoomVersion, type RoomVersion } from '../events/room-versions';
import { parsePowerLevel } from './power-levels';

const v = (id: number) => getRoomVersion(String(id)) as RoomVersion;
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => v(from + i));

describe('parsePowerLevel', () => {
  it.each(vectorsIn<{ value: string }, number>('stringy-power-level/'))(
    '%s',
    (_, { input, expected }) => {
      for (const version of range(1, 9))
        expect(parsePowerLevel(input.value, version)).toBe(expected);
      for (const version of range(10, 12))
        expect(parsePowerLevel(input.value, version)).toBeUndefined();
    },
  );

  it.each(vectorsIn<{ value_text: string }, number>('floaty-power-level/'))(
    '%s',
    (_, { input, expected }) => {
      const value = JSON.parse(input.value_text) as number;
      for (const version of range(1, 5)) expect(parsePowerLevel(value, version)).toBe(expected);
      for (const version of range(6, 12)) expect(parsePowerLevel(value, version)).toBeUndefined();
    },
  );

  it('takes JSON integers in every version and nothing else', () => {
    for (const version of range(1, 12)) {
      expect(parsePowerLevel(100, version)).toBe(100);
      expect(parsePowerLevel(-5, version)).toBe(-5);
      for (const junk of [
        null,
        true,
        {},
        [],
        '1.5',
        'ten',
        '',
        Number.NaN,
        Number.POSITIVE_INFINITY,
      ]) {
        expect(parsePowerLevel(junk, version)).toBeUndefined();
      }
    }
  });
});
