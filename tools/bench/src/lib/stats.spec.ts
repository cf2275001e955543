import { percentile, perSecond, roundTo, summarize } from './stats';

const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

describe('percentile (nearest rank)', () => {
  it('picks the smallest sample with p % of the samples at or below it', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 90)).toBe(90);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
  });

  it('rounds the rank up on small samples', () => {
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30], 99)).toBe(30);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([7], 1)).toBe(7);
  });

  it('is null without samples and refuses a p outside 0..100', () => {
    expect(percentile([], 50)).toBeNull();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('sorts numerically (not as strings) without touching the input, and rounds to 0.1 ms', () => {
    const samples = [100.04, 9.96, 20, 3];
    expect(summarize(samples)).toEqual({ count: 4, p50: 10, p90: 100, p99: 100, max: 100 });
    expect(samples).toEqual([100.04, 9.96, 20, 3]);
  });

  it('reports nulls for an empty window', () => {
    expect(summarize([])).toEqual({ count: 0, p50: null, p90: null, p99: null, max: null });
  });
});

describe('perSecond and roundTo', () => {
  it('turns a count over milliseconds into a rate, 0 for an empty window', () => {
    expect(perSecond(150, 3_000)).toBe(50);
    expect(perSecond(1, 3_000)).toBe(0.3);
    expect(perSecond(5, 0)).toBe(0);
  });

  it('rounds half away from zero at the given decimals', () => {
    expect(roundTo(1.25, 1)).toBe(1.3);
    expect(roundTo(2.345, 2)).toBe(2.35);
  });
});
