import { type BenchResult, compareResults, comparisonTable, numericLeaves, table } from './report';

const result = (over: Partial<BenchResult> = {}): BenchResult => ({
  scenario: 'send',
  startedAt: '2026-01-01T00:00:00.000Z',
  target: { baseUrl: 'http://127.0.0.1:8008', prefix: '/chat' },
  params: { rooms: 2, senders: 3, seed: 1 },
  setupS: 1.5,
  measuredS: 10,
  throughput: { 'events/s': 200 },
  latencyMs: { send: { count: 2000, p50: 5, p90: 9, p99: 20, max: 31.2 } },
  counts: { sent: 2000, failed: 0 },
  errors: {},
  failures: [],
  processes: [
    { name: 'main', pid: 7, cpuSeconds: 9, cpuPercent: 90, peakRssMiB: 200, exited: false },
  ],
  bench: { cpuSeconds: 2, loadAverage1m: 1.2, cpus: 2 },
  ...over,
});

describe('table', () => {
  it('shows throughput, latency percentiles, counts, errors, processes and parameters', () => {
    const text = table(
      result({ errors: { M_LIMIT_EXCEEDED: 3 }, failures: ['2 deliveries missed'] }),
    );
    expect(text).toContain('events/s 200');
    expect(text).toMatch(/ {2}send +5 \/ 9 \/ 20 \/ 31\.2 \(2000\)/);
    expect(text).toContain('sent 2000 · failed 0');
    expect(text).toContain('M_LIMIT_EXCEEDED 3');
    expect(text).toContain('pid 7 · cpu 9 s (90 %) · peak RSS 200 MiB');
    expect(text).toContain('rooms 2 · senders 3 · seed 1');
    expect(text).toMatch(/FAILED +2 deliveries missed/);
  });

  it('prints "none" for no errors and "-" for empty latency figures', () => {
    const text = table(
      result({ latencyMs: { send: { count: 0, p50: null, p90: null, p99: null, max: null } } }),
    );
    expect(text).toMatch(/errors +none/);
    expect(text).toContain('- / - / - / - (0)');
  });
});

describe('compare', () => {
  it('flattens numbers, naming array items by their name', () => {
    const leaves = numericLeaves(result());
    expect(leaves.get('throughput.events/s')).toBe(200);
    expect(leaves.get('latencyMs.send.p99')).toBe(20);
    expect(leaves.get('processes[main].peakRssMiB')).toBe(200);
    expect(leaves.has('startedAt')).toBe(false);
    expect(leaves.has('processes[main].pid')).toBe(false);
    expect(leaves.has('params.seed')).toBe(false);
    expect(leaves.get('params.rooms')).toBe(2);
  });

  it('gives b/a for every shared figure and "-" where one side lacks it', () => {
    const a = result();
    const b = result({
      throughput: { 'events/s': 300 },
      latencyMs: { send: { count: 3000, p50: 2.5, p90: 9, p99: 10, max: 31.2 } },
      counts: { sent: 3000, failed: 0, retried: 4 },
    });
    const rows = compareResults(a, b);
    const row = (key: string) => rows.find((r) => r.key === key);
    expect(row('throughput.events/s')).toEqual({
      key: 'throughput.events/s',
      a: 200,
      b: 300,
      ratio: 1.5,
    });
    expect(row('latencyMs.send.p50')?.ratio).toBe(0.5);
    expect(row('counts.failed')?.ratio).toBeNull();
    expect(row('counts.retried')).toEqual({ key: 'counts.retried', a: null, b: 4, ratio: null });
    const text = comparisonTable(rows, ['a.json', 'b.json']);
    expect(text).toMatch(/throughput\.events\/s +200 +300 +1\.5×/);
    expect(text).toMatch(/counts\.retried +- +4 +-/);
  });
});
