import type { ProcessFigures } from './process-sampler';
import type { LatencySummary } from './stats';

/** The JSON a run prints (and writes with --out). */
export interface BenchResult {
  scenario: string;
  startedAt: string;
  target: Record<string, unknown>;
  params: Record<string, unknown>;
  setupS: number;
  measuredS: number;
  throughput: Record<string, number>;
  latencyMs: Record<string, LatencySummary>;
  counts: Record<string, number>;
  errors: Record<string, number>;
  failures: string[];
  processes: ProcessFigures[];
  bench: { cpuSeconds: number; loadAverage1m: number; cpus: number };
  details?: Record<string, unknown>;
}

const inline = (record: Record<string, unknown>): string =>
  Object.entries(record)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ') || 'none';

const cell = (value: number | null): string => (value === null ? '-' : String(value));

/** The short human table printed after the JSON (stderr). */
export function table(result: BenchResult): string {
  const rows: Array<[string, string]> = [
    ['target', inline(result.target)],
    ['params', inline(result.params)],
    ['setup / measured s', `${result.setupS} / ${result.measuredS}`],
    ['throughput', inline(result.throughput)],
    ['latency ms', 'p50 / p90 / p99 / max (n)'],
    ...Object.entries(result.latencyMs).map(([name, l]): [string, string] => [
      `  ${name}`,
      `${[l.p50, l.p90, l.p99, l.max].map(cell).join(' / ')} (${l.count})`,
    ]),
    ['counts', inline(result.counts)],
    ['errors', inline(result.errors)],
    ...result.processes.map((p): [string, string] => [
      `process ${p.name}`,
      `pid ${p.pid} · cpu ${cell(p.cpuSeconds)} s (${cell(p.cpuPercent)} %) · peak RSS ${cell(p.peakRssMiB)} MiB${p.exited ? ' · exited' : ''}`,
    ]),
    [
      'bench',
      `cpu ${result.bench.cpuSeconds} s · load ${result.bench.loadAverage1m} (${result.bench.cpus} cpus)`,
    ],
    ...result.failures.map((f): [string, string] => ['FAILED', f]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [`${result.scenario}`, ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`)].join('\n');
}

/** Numbers that identify rather than measure: never compared. */
const IDENTIFIERS = new Set(['pid', 'seed']);

/**
 * Every numeric leaf but identifiers, as `a.b.c` → value; array items are keyed by their
 * `name` when they have one.
 */
export function numericLeaves(value: unknown, prefix = ''): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (v: unknown, key: string): void => {
    if (typeof v === 'number' && Number.isFinite(v)) out.set(key, v);
    else if (Array.isArray(v)) {
      v.forEach((item, i) => {
        const name = (item as { name?: unknown })?.name;
        walk(item, `${key}[${typeof name === 'string' ? name : i}]`);
      });
    } else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (!IDENTIFIERS.has(k)) walk(child, key ? `${key}.${k}` : k);
      }
    }
  };
  walk(value, prefix);
  return out;
}

export interface ComparisonRow {
  key: string;
  a: number | null;
  b: number | null;
  /** b / a; null when either is missing or a is 0. */
  ratio: number | null;
}

/** Ratios of every number two results share, in a's order, then b's extra keys. */
export function compareResults(a: unknown, b: unknown): ComparisonRow[] {
  const left = numericLeaves(a);
  const right = numericLeaves(b);
  const keys = [...left.keys(), ...[...right.keys()].filter((k) => !left.has(k))];
  return keys.map((key) => {
    const x = left.get(key) ?? null;
    const y = right.get(key) ?? null;
    const ratio = x !== null && y !== null && x !== 0 ? Math.round((y / x) * 100) / 100 : null;
    return { key, a: x, b: y, ratio };
  });
}

export function comparisonTable(rows: ComparisonRow[], names: [string, string]): string {
  const header: [string, string, string, string] = ['', names[0], names[1], 'b/a'];
  const lines = [
    header,
    ...rows.map((r): [string, string, string, string] => [
      r.key,
      cell(r.a),
      cell(r.b),
      r.ratio === null ? '-' : `${r.ratio}×`,
    ]),
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...lines.map((l) => l[c].length)));
  return lines
    .map((l) =>
      l.map((text, c) => (c === 0 ? text.padEnd(widths[c]) : text.padStart(widths[c]))).join('  '),
    )
    .join('\n');
}
