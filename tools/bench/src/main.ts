import { setMaxListeners } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, resolve } from 'node:path';

import { ErrorTally, redact } from './lib/errors';
import { HttpClient } from './lib/http';
import { launchMonolith, type LaunchedServer } from './lib/launcher';
import { MatrixApi } from './lib/matrix-api';
import {
  parsePidList,
  type ProcessFigures,
  ProcessSampler,
  type ProcessTarget,
  procReader,
  readPidDir,
} from './lib/process-sampler';
import { Naming } from './lib/prng';
import { DummyRegistrar, type Registrar, SharedSecretRegistrar } from './lib/registration';
import { type BenchResult, compareResults, comparisonTable, table } from './lib/report';
import { roundTo } from './lib/stats';
import { parseCommand, type RunOptions, usage } from './options';
import { type BenchContext, SCENARIOS } from './scenarios';

/** dist/tools/bench/main.js → the repository root (for dist/apps/main). */
const REPO_ROOT = resolve(__dirname, '../../..');
/** After an abort, how long the scenario gets to wind down before the process is ended. */
const WIND_DOWN_MS = 15_000;
const EXIT_FAILED = 1;
const EXIT_BROKEN_GUARANTEE = 2;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function processTargets(options: RunOptions): ProcessTarget[] {
  const targets = [
    ...(options.pids ? parsePidList(options.pids) : []),
    ...(options.pidDir ? readPidDir(options.pidDir) : []),
  ];
  const read = procReader();
  for (const t of targets) {
    if (!read(t.pid))
      throw new Error(`process ${t.name} (pid ${t.pid}) is not running, or /proc is not readable`);
  }
  return targets;
}

interface Measured {
  startedAt: number;
  endedAt: number;
  processes: ProcessFigures[];
  benchCpuSeconds: number;
}

async function run(options: RunOptions): Promise<number> {
  const stop = new AbortController();
  const deadline = AbortSignal.timeout(options.deadlineS * 1000);
  const signal = AbortSignal.any([stop.signal, deadline]);
  // Every request in flight listens on it (one per long-polling client): not a leak.
  setMaxListeners(0, signal);
  const onSignal = (): void => stop.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const targets = processTargets(options);
  const { target } = options;
  let launched: LaunchedServer | undefined;
  // A wedged scenario must not keep a launched server (and its database) alive.
  signal.addEventListener('abort', () => {
    setTimeout(() => {
      log('the scenario did not stop after the abort; ending the run');
      void (launched?.stop() ?? Promise.resolve()).finally(() => process.exit(EXIT_FAILED));
    }, WIND_DOWN_MS).unref();
  });

  const startedAt = new Date().toISOString();
  const runStart = performance.now();
  try {
    if (target.engine) {
      log(`launching dist/apps/main/main.js on ${target.engine}…`);
      launched = await launchMonolith(target.engine, REPO_ROOT);
      targets.unshift({ name: 'main', pid: launched.pid });
    }
    const baseUrl = launched?.baseUrl ?? (target.baseUrl as string);
    const sharedSecret = launched?.sharedSecret ?? target.sharedSecret;
    const http = new HttpClient(baseUrl, { timeoutMs: options.requestTimeoutS * 1000, signal });
    const api = new MatrixApi(http, target.prefix);
    const syncApi = target.syncBaseUrl
      ? new MatrixApi(
          new HttpClient(target.syncBaseUrl, { timeoutMs: options.requestTimeoutS * 1000, signal }),
          target.prefix,
        )
      : api;
    const registrar: Registrar =
      target.registration === 'dummy'
        ? new DummyRegistrar(api)
        : new SharedSecretRegistrar(http, target.adminPath, sharedSecret as string);

    let measured: Measured | undefined;
    const ctx: BenchContext = {
      api,
      syncApi,
      registrar,
      naming: new Naming(options.seed),
      seed: options.seed,
      concurrency: options.concurrency,
      requestTimeoutMs: options.requestTimeoutS * 1000,
      errors: new ErrorTally(),
      signal,
      log,
      async measure(fn) {
        if (measured) throw new Error('a scenario measures one window');
        const sampler = new ProcessSampler(targets);
        const cpuBefore = process.cpuUsage();
        const startedAt = performance.now();
        sampler.start();
        try {
          return await fn();
        } finally {
          const cpu = process.cpuUsage(cpuBefore);
          measured = {
            startedAt,
            endedAt: performance.now(),
            processes: sampler.stop(),
            benchCpuSeconds: roundTo((cpu.user + cpu.system) / 1e6, 2),
          };
        }
      },
    };

    log(`${options.scenario.name}: seed ${options.seed}, ${baseUrl}${target.prefix}`);
    const outcome = await options.scenario.run(ctx, options.params);
    // Aborted loops end quietly; figures of a cut-short window are not reported.
    signal.throwIfAborted();
    const window = measured as Measured;
    const result: BenchResult = {
      scenario: options.scenario.name,
      startedAt,
      target: {
        baseUrl,
        ...(target.syncBaseUrl ? { syncBaseUrl: target.syncBaseUrl } : {}),
        prefix: target.prefix,
        registration: target.registration,
        ...(target.registration === 'shared-secret' ? { adminPath: target.adminPath } : {}),
        ...(launched ? { launched: target.engine, database: basename(launched.database) } : {}),
      },
      params: {
        ...options.params,
        seed: options.seed,
        concurrency: options.concurrency,
        requestTimeoutS: options.requestTimeoutS,
        deadlineS: options.deadlineS,
      },
      setupS: roundTo((window.startedAt - runStart) / 1000, 2),
      measuredS: roundTo((window.endedAt - window.startedAt) / 1000, 2),
      throughput: outcome.throughput,
      latencyMs: outcome.latencyMs,
      counts: outcome.counts,
      errors: ctx.errors.toJSON(),
      failures: outcome.failures,
      processes: window.processes,
      bench: {
        cpuSeconds: window.benchCpuSeconds,
        loadAverage1m: roundTo(loadavg()[0], 2),
        cpus: cpus().length,
      },
      ...(outcome.details ? { details: outcome.details } : {}),
    };
    const json = JSON.stringify(result, null, 2);
    if (options.out) writeFileSync(options.out, `${json}\n`);
    process.stdout.write(`${json}\n`);
    log(`\n${table(result)}`);
    return result.failures.length > 0 ? EXIT_BROKEN_GUARANTEE : 0;
  } catch (err) {
    const tail = launched?.logTail();
    if (tail) log(`last lines of the server's log:\n${tail}`);
    if (deadline.aborted) throw new Error(`the run exceeded --deadline (${options.deadlineS} s)`);
    if (stop.signal.aborted) throw new Error('interrupted');
    throw new Error(redact((err as Error).message, [target.sharedSecret, launched?.sharedSecret]));
  } finally {
    await launched?.stop();
  }
}

function compare(files: [string, string]): number {
  const [a, b] = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as { scenario?: string });
  if (a.scenario !== b.scenario) log(`note: comparing ${a.scenario} with ${b.scenario}`);
  process.stdout.write(
    `${comparisonTable(compareResults(a, b), [basename(files[0]), basename(files[1])])}\n`,
  );
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const command = parseCommand(argv, SCENARIOS, process.env);
  if (command.command === 'help') {
    process.stdout.write(`${usage(SCENARIOS)}\n`);
    return 0;
  }
  if (command.command === 'compare') return compare(command.files);
  return run(command);
}

main(process.argv.slice(2)).then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (err: Error) => {
    log(`bench: ${err.message}`);
    process.stdout.write('', () => process.exit(EXIT_FAILED));
  },
);
