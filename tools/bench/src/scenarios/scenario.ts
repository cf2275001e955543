import type { ErrorTally } from '../lib/errors';
import type { MatrixApi } from '../lib/matrix-api';
import type { Naming } from '../lib/prng';
import type { Registrar } from '../lib/registration';
import type { LatencySummary } from '../lib/stats';

/** A numeric option of a scenario or of every run: parsed, range-checked, defaulted. */
export interface NumberOption {
  integer: boolean;
  min: number;
  max: number;
  default: number;
  help: string;
}

export type OptionSpecs = Record<string, NumberOption>;

export type Params = Record<string, number>;

/** What a scenario measured; main adds the target, parameters, errors and process figures. */
export interface ScenarioResult {
  /** Operations per second, by what was counted (`events/s`, `logins/s`, …). */
  throughput: Record<string, number>;
  latencyMs: Record<string, LatencySummary>;
  counts: Record<string, number>;
  details?: Record<string, unknown>;
  /** Broken guarantees (missed or duplicated events): reported, and the run exits with 2. */
  failures: string[];
}

export interface BenchContext {
  api: MatrixApi;
  /** Where clients long-poll `/sync`: `api`, or another process of the same server. */
  syncApi: MatrixApi;
  registrar: Registrar;
  naming: Naming;
  seed: number;
  /** Requests in flight during setup (and login workers). */
  concurrency: number;
  requestTimeoutMs: number;
  /** Failures of measured requests; setup failures end the run instead. */
  errors: ErrorTally;
  /** Aborts at the run's deadline or on SIGINT/SIGTERM. */
  signal: AbortSignal;
  log(line: string): void;
  /** Runs the measured phase: process figures and the bench's own CPU cover exactly this. */
  measure<T>(fn: () => Promise<T>): Promise<T>;
}

export interface Scenario {
  name: string;
  summary: string;
  options: OptionSpecs;
  run(ctx: BenchContext, params: Params): Promise<ScenarioResult>;
}

/** Upper bounds shared by the scenarios' options, so a typo cannot start a day-long run. */
export const LIMITS = {
  users: 100_000,
  durationS: 3_600,
  count: 10_000_000,
  rate: 10_000,
} as const;

export const durationOption = (defaultS: number): NumberOption => ({
  integer: false,
  min: 0.1,
  max: LIMITS.durationS,
  default: defaultS,
  help: 'seconds of measurement',
});

export const countOption: NumberOption = {
  integer: true,
  min: 1,
  max: LIMITS.count,
  default: 1_000_000,
  help: 'cap on measured operations (whichever of duration and count ends first)',
};

export const sizeOption = (defaultN: number, help: string): NumberOption => ({
  integer: true,
  min: 1,
  max: LIMITS.users,
  default: defaultN,
  help,
});

export const rateOption = (defaultRate: number): NumberOption => ({
  integer: false,
  min: 0.1,
  max: LIMITS.rate,
  default: defaultRate,
  help: 'events per second, all senders together, on a fixed schedule',
});
