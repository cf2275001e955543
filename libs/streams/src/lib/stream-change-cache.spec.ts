import { StreamChangeCache } from './stream-change-cache';

describe('StreamChangeCache', () => {
  it('knows what changed after a position it covers', () => {
    const cache = new StreamChangeCache(10);
    cache.entityChanged('!a', 12);
    cache.entityChanged('!b', 15);
    expect(cache.hasEntityChanged('!a', 11)).toBe(true);
    expect(cache.hasEntityChanged('!a', 12)).toBe(false);
    expect(cache.hasEntityChanged('!b', 12)).toBe(true);
    expect(cache.hasEntityChanged('!never', 10)).toBe(false);
    expect(cache.changedSince(['!a', '!b', '!c'], 13)).toEqual(['!b']);
  });

  it('says "maybe" for positions before it started', () => {
    const cache = new StreamChangeCache(10);
    expect(cache.hasEntityChanged('!never', 9)).toBe(true);
    expect(cache.changedSince(['!x', '!y'], 3)).toEqual(['!x', '!y']);
  });

  it('ignores changes at or before its start and never moves an entity back', () => {
    const cache = new StreamChangeCache(10);
    cache.entityChanged('!a', 8);
    expect(cache.hasEntityChanged('!a', 10)).toBe(false);
    cache.entityChanged('!a', 20);
    cache.entityChanged('!a', 14);
    expect(cache.hasEntityChanged('!a', 15)).toBe(true);
  });

  it('stays conservative when it drops entities to respect its bound', () => {
    const cache = new StreamChangeCache(0, 2);
    cache.entityChanged('!a', 1);
    cache.entityChanged('!b', 2);
    cache.entityChanged('!c', 3);
    expect(cache.earliestKnown).toBe(1);
    // `!a` was dropped: asking about any position before 1 is "maybe".
    expect(cache.hasEntityChanged('!a', 0)).toBe(true);
    expect(cache.hasEntityChanged('!a', 1)).toBe(false);
    expect(cache.hasEntityChanged('!c', 2)).toBe(true);
  });
});
