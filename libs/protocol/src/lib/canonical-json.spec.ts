import fc from 'fast-check';
import { vectorsIn } from '../test-vectors/vectors';
import {
  CanonicalJsonError,
  canonicalJson,
  canonicalJsonBytes,
  compareCodePoints,
} from './canonical-json';
import { MatrixError } from './matrix-error';

type JsonTextVector = { json_text: string };

describe('canonicalJson', () => {
  it.each([
    ...vectorsIn<JsonTextVector, string>('canonical-json/'),
    ...vectorsIn<JsonTextVector, string>('derived/canonical-json/'),
  ])('%s', (_name, vector) => {
    const bytes = canonicalJsonBytes(JSON.parse(vector.input.json_text));
    expect(bytes.equals(Buffer.from(vector.expected, 'utf8'))).toBe(true);
  });

  it('escapes only quotes, backslashes and C0 controls, with lower-case hex', () => {
    expect(canonicalJson('"\\\b\t\n\f\r\u000b\u001f\u007f/\u2028é😀')).toBe(
      '"\\"\\\\\\b\\t\\n\\f\\r\\u000b\\u001f\u007f/\u2028é😀"',
    );
  });

  it('writes integers plainly, -0 as 0, and accepts the safe-integer bounds', () => {
    expect(canonicalJson([-0, 1e10, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER])).toBe(
      '[0,10000000000,9007199254740991,-9007199254740991]',
    );
  });

  it('omits undefined object members and accepts null-prototype objects', () => {
    const bare = Object.assign(Object.create(null) as object, { b: 1, a: undefined });
    expect(canonicalJson({ x: bare, y: [true, false, null] })).toBe(
      '{"x":{"b":1},"y":[true,false,null]}',
    );
  });

  it.each<[string, unknown]>([
    ['a float', { a: 1.5 }],
    ['an integer above 2^53-1', { a: 2 ** 53 }],
    ['an integer below -(2^53-1)', [-(2 ** 53)]],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['a lone high surrogate in a value', { a: '\ud800' }],
    ['a lone low surrogate in a key', { '\udc00x': 1 }],
    ['a bigint', 1n],
    ['undefined at the top', undefined],
    ['undefined in an array', [undefined]],
    ['a function', { f: () => 1 }],
    ['a Date', new Date(0)],
    ['a Buffer', Buffer.from('x')],
  ])('rejects %s with M_BAD_JSON', (_label, value) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
    try {
      canonicalJson(value);
    } catch (error) {
      expect(error).toBeInstanceOf(MatrixError);
      expect((error as MatrixError).status).toBe(400);
      expect((error as MatrixError).errcode).toBe('M_BAD_JSON');
    }
  });

  it('rejects cycles instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = { cyclic };
    expect(() => canonicalJson(cyclic)).toThrow(CanonicalJsonError);
  });

  it('allows the same object twice when it is not its own ancestor', () => {
    const shared = { k: 1 };
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"k":1},"b":[{"k":1}]}');
  });
});

describe('compareCodePoints', () => {
  it('orders astral characters after the top of the BMP, unlike the default sort', () => {
    const keys = ['😀', '\uffff', '\ue000', 'z', '\ud7ff'];
    expect([...keys].sort()).not.toEqual([...keys].sort(compareCodePoints));
    expect([...keys].sort(compareCodePoints)).toEqual(['z', '\ud7ff', '\ue000', '\uffff', '😀']);
  });
});

// Random JSON: full-Unicode strings (astral included) and safe integers only.
const text = fc.string({ unit: 'binary', maxLength: 6 });
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    text,
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(text, tie('json'), { maxKeys: 6 }),
  ),
}));

/** A deep copy whose object keys are inserted in a seed-determined shuffled order. */
function reordered(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((item) => reordered(item, random));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([k, v]): [string, unknown] => [
    k,
    reordered(v, random),
  ]);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  return Object.fromEntries(entries);
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('canonicalJson properties', () => {
  it('is identical under any key insertion order', () => {
    fc.assert(
      fc.property(json, fc.integer(), (value, seed) => {
        expect(canonicalJson(reordered(value, seededRandom(seed)))).toBe(canonicalJson(value));
      }),
    );
  });

  it('parses back to an equal value', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(value);
      }),
    );
  });

  it('orders object keys by their UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.dictionary(text, fc.constant(0)), (value) => {
        const keys = Object.keys(JSON.parse(canonicalJson(value)) as object);
        const byBytes = Object.keys(value).sort((a, b) =>
          Buffer.compare(Buffer.from(a), Buffer.from(b)),
        );
        expect(keys).toEqual(byBytes);
      }),
    );
  });
});
