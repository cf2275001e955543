/** Latency figures in milliseconds, rounded to 0.1 ms; null when there were no samples. */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/**
 * Nearest-rank percentile of ascending `sorted`: the smallest sample with at least p % of the
 * samples at or below it, so p99 of 100 samples is the 99th and p100 is the maximum.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

const ms = (value: number | null): number | null => (value === null ? null : roundTo(value, 1));

/** p50/p90/p99/max of unsorted samples (the input is not modified). */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const asArray = Array.from(sorted);
  return {
    count: asArray.length,
    p50: ms(percentile(asArray, 50)),
    p90: ms(percentile(asArray, 90)),
    p99: ms(percentile(asArray, 99)),
    max: ms(asArray.length ? asArray[asArray.length - 1] : null),
  };
}

/** Operations per second over `ms` milliseconds, to one decimal; 0 for an empty window. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? roundTo((count * 1000) / ms, 1) : 0;
}
