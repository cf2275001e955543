import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Clock } from './bounds';
import {
  parsePidList,
  parseStatTicks,
  parseVmRssKiB,
  type ProcSample,
  ProcessSampler,
  procReader,
  readPidDir,
} from './process-sampler';

describe('/proc parsing', () => {
  it('adds utime and stime, whatever the command name holds', () => {
    const stat = '4242 (node ) x (y) S 1 4242 4242 0 -1 4194304 100 0 0 0 1250 340 0 0 20 0 11 0';
    expect(parseStatTicks(stat)).toBe(1590);
  });

  it('reads VmRSS in KiB', () => {
    expect(parseVmRssKiB('Name:\tnode\nVmPeak:\t 999 kB\nVmRSS:\t  204800 kB\n')).toBe(204800);
    expect(parseVmRssKiB('Name:\tzombie\n')).toBe(0);
  });

  it('reads this process on Linux', () => {
    const sample = procReader()(process.pid);
    expect(sample?.rssKiB).toBeGreaterThan(1024);
    expect(sample?.cpuSeconds).toBeGreaterThan(0);
    expect(procReader()(2 ** 22 + 1)).toBeUndefined();
  });
});

describe('process targets', () => {
  it('takes bare and named pids', () => {
    expect(parsePidList('123, main=456,')).toEqual([
      { name: '123', pid: 123 },
      { name: 'main', pid: 456 },
    ]);
    expect(() => parsePidList('main=abc')).toThrow('"main=abc" is not a pid');
    expect(() => parsePidList('0')).toThrow('not a pid');
  });

  it('reads every <name>.pid of a directory, named after the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-pids-'));
    writeFileSync(join(dir, 'main.pid'), '100\n');
    writeFileSync(join(dir, 'generic1.pid'), '101');
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    expect(readPidDir(dir)).toEqual([
      { name: 'generic1', pid: 101 },
      { name: 'main', pid: 100 },
    ]);
    writeFileSync(join(dir, 'broken.pid'), 'x');
    expect(() => readPidDir(dir)).toThrow('broken.pid holds no pid');
    expect(() => readPidDir(mkdtempSync(join(tmpdir(), 'bench-nopids-')))).toThrow(
      'no *.pid files',
    );
  });
});

describe('ProcessSampler', () => {
  it('reports CPU used within the window, CPU % of wall time, peak RSS, and exits', () => {
    const clock: Clock & { t: number } = { t: 0, now: () => clock.t };
    const samples: Record<number, Array<ProcSample | undefined>> = {
      1: [
        { cpuSeconds: 10, rssKiB: 100 * 1024 },
        { cpuSeconds: 13, rssKiB: 300 * 1024 },
      ],
      2: [{ cpuSeconds: 5, rssKiB: 50 * 1024 }, undefined],
      3: [undefined],
    };
    const read = (pid: number): ProcSample | undefined => samples[pid].shift();
    const sampler = new ProcessSampler(
      [
        { name: 'main', pid: 1 },
        { name: 'worker', pid: 2 },
        { name: 'gone', pid: 3 },
      ],
      read,
      clock,
    );
    sampler.start();
    clock.t = 2_000;
    expect(sampler.stop()).toEqual([
      { name: 'main', pid: 1, cpuSeconds: 3, cpuPercent: 150, peakRssMiB: 300, exited: false },
      { name: 'worker', pid: 2, cpuSeconds: 0, cpuPercent: 0, peakRssMiB: 50, exited: true },
      { name: 'gone', pid: 3, cpuSeconds: null, cpuPercent: null, peakRssMiB: null, exited: true },
    ]);
  });
});
