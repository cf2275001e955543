import { ALPHANUMERIC, randomString, UPPERCASE } from './random';

describe('randomString', () => {
  it('draws the requested number of characters from the alphabet', () => {
    expect(randomString(64)).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(randomString(10, UPPERCASE)).toMatch(/^[A-Z]{10}$/);
    expect(randomString(0)).toBe('');
  });

  it('treats astral alphabet symbols as single characters', () => {
    expect(Array.from(randomString(8, '😀😁'))).toHaveLength(8);
  });

  it('reaches every symbol and does not repeat itself', () => {
    const seen = new Set(randomString(4000, ALPHANUMERIC));
    expect(seen.size).toBe(ALPHANUMERIC.length);
    expect(randomString(32)).not.toBe(randomString(32));
  });

  it.each([-1, 1.5, NaN])('rejects length %p', (length) => {
    expect(() => randomString(length)).toThrow(RangeError);
  });

  it('rejects an empty alphabet', () => {
    expect(() => randomString(4, '')).toThrow(RangeError);
  });
});
