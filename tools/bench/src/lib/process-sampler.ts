import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

import { type Clock, systemClock } from './bounds';
import { roundTo } from './stats';

/** A server process to watch, named after its pid file or as given on the command line. */
export interface ProcessTarget {
  name: string;
  pid: number;
}

export interface ProcessFigures extends ProcessTarget {
  /** utime + stime spent in the measured window. */
  cpuSeconds: number | null;
  /** cpuSeconds over the window's wall time: 100 is one core kept busy. */
  cpuPercent: number | null;
  peakRssMiB: number | null;
  /** The process was gone before the window ended (figures cover what was seen). */
  exited: boolean;
}

export interface ProcSample {
  cpuSeconds: number;
  rssKiB: number;
}

/** Reads one sample of a process, undefined once it is gone. Linux /proc by default. */
export type ProcReader = (pid: number) => ProcSample | undefined;

/** utime + stime in clock ticks from /proc/<pid>/stat (the command may contain spaces and ')'). */
export function parseStatTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5); the slice starts at field 3 (state).
  return Number(fields[11]) + Number(fields[12]);
}

/** VmRSS in KiB from /proc/<pid>/status. */
export function parseVmRssKiB(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : 0;
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

export function procReader(ticksPerSecond = clockTicksPerSecond()): ProcReader {
  return (pid) => {
    try {
      return {
        cpuSeconds: parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / ticksPerSecond,
        rssKiB: parseVmRssKiB(readFileSync(`/proc/${pid}/status`, 'utf8')),
      };
    } catch {
      return undefined;
    }
  };
}

/** `--pids 123,456` or `--pids main=123,worker1=456`. */
export function parsePidList(list: string): ProcessTarget[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const [name, pidText] = item.includes('=') ? item.split('=', 2) : [item, item];
      const pid = Number(pidText);
      if (!Number.isInteger(pid) || pid <= 0) throw new Error(`--pids: "${item}" is not a pid`);
      return { name, pid };
    });
}

/** Every `<name>.pid` in `dir` (Synapse-style pid files, one per worker). */
export function readPidDir(dir: string): ProcessTarget[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.pid'))
    .sort();
  if (files.length === 0) throw new Error(`--pid-dir: no *.pid files in ${dir}`);
  return files.map((file) => {
    const pid = Number(readFileSync(join(dir, file), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`--pid-dir: ${file} holds no pid`);
    return { name: basename(file, '.pid'), pid };
  });
}

interface Track {
  first?: ProcSample;
  last?: ProcSample;
  peakRssKiB: number;
  exited: boolean;
}

const SAMPLE_INTERVAL_MS = 500;

/**
 * Samples CPU time and RSS of server processes during the measured window: a sample at start,
 * one every 500 ms (RSS peaks between them are missed) and one at stop.
 */
export class ProcessSampler {
  private readonly tracks = new Map<number, Track>();
  private timer?: NodeJS.Timeout;
  private startedAt = 0;

  constructor(
    private readonly targets: readonly ProcessTarget[],
    private readonly read: ProcReader = procReader(),
    private readonly clock: Clock = systemClock,
  ) {}

  start(): void {
    this.startedAt = this.clock.now();
    for (const t of this.targets) this.tracks.set(t.pid, { peakRssKiB: 0, exited: false });
    this.sample();
    if (this.targets.length > 0) {
      this.timer = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
      this.timer.unref();
    }
  }

  stop(): ProcessFigures[] {
    clearInterval(this.timer);
    this.sample();
    const wallS = (this.clock.now() - this.startedAt) / 1000;
    return this.targets.map((target) => {
      const track = this.tracks.get(target.pid) as Track;
      const cpu = track.first && track.last ? track.last.cpuSeconds - track.first.cpuSeconds : null;
      return {
        ...target,
        cpuSeconds: cpu === null ? null : roundTo(cpu, 2),
        cpuPercent: cpu === null || wallS <= 0 ? null : roundTo((cpu / wallS) * 100, 1),
        peakRssMiB: track.first ? roundTo(track.peakRssKiB / 1024, 1) : null,
        exited: track.exited,
      };
    });
  }

  private sample(): void {
    for (const target of this.targets) {
      const track = this.tracks.get(target.pid) as Track;
      if (track.exited) continue;
      const sample = this.read(target.pid);
      if (!sample) {
        track.exited = true;
        continue;
      }
      track.first ??= sample;
      track.last = sample;
      track.peakRssKiB = Math.max(track.peakRssKiB, sample.rssKiB);
    }
  }
}
