import fc from 'fast-check';

import { canonicalJson } from './canonical-json';

/** An independent oracle: compare the strings' code point sequences. */
function byCodePoints(a: string, b: string): number {
  const [x, y] = [
    [...a].map((c) => c.codePointAt(0) as number),
    [...b].map((c) => c.codePointAt(0) as number),
  ];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** JSON values canonical JSON accepts: no floats, integers within ±(2^53−1), well-formed strings. */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'grapheme' }),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    tie('object'),
  ),
  object: fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), tie('value'), {
    maxKeys: 5,
  }),
}));

/** The same object with its keys inserted in another order, recursively. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, seed));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const rotated = entries.map((_, i) => entries[(i + seed) % entries.length]).reverse();
  const out: Record<string, unknown> = {};
  for (const [k, v] of rotated) {
    // defineProperty, so that a `__proto__` key stays a key.
    Object.defineProperty(out, k, {
      value: reorder(v, seed + 1),
      enumerable: true,
      writable: true,
    });
  }
  return out;
}

describe('canonical JSON properties', () => {
  it('is stable under key reordering', () => {
    fc.assert(
      fc.property(jsonValue.object, fc.nat(10), (object, seed) => {
        expect(canonicalJson(reorder(object, seed))).toBe(canonicalJson(object));
      }),
    );
  });

  it('is a fixed point: parsing canonical JSON and encoding it again changes nothing', () => {
    fc.assert(
      fc.property(jsonValue.value, (value) => {
        const once = canonicalJson(value);
        expect(canonicalJson(JSON.parse(once))).toBe(once);
      }),
    );
  });

  it('orders keys by code point, so astral characters sort after the whole BMP', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 4 }), fc.integer(), { maxKeys: 6 }),
        (object) => {
          // Built from the text, not from JSON.parse: a JS object lists integer-like keys ("0")
          // first whatever their order in the text.
          const expected = Object.keys(object)
            .sort(byCodePoints)
            .map((key) => `${JSON.stringify(key)}:${object[key]}`);
          expect(canonicalJson(object)).toBe(`{${expected.join(',')}}`);
        },
      ),
    );
    // UTF-16 order would put U+1F600 (a surrogate pair, 0xD83D…) before U+FFFF.
    expect(canonicalJson({ '\u{1F600}': 1, '\uFFFF': 2 })).toBe('{"\uFFFF":2,"\u{1F600}":1}');
  });
});
