import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import type { ChatProcess } from './deployment';
import { probeHealth } from './health';
import { type RunDir, isRunning } from './run-dir';

const POLL_INTERVAL_MS = 100;
/** Per health request: a listener that accepts but never answers counts as not ready. */
const PROBE_TIMEOUT_MS = 2_000;
/** After SIGKILL the kernel needs only a moment; longer means the process is stuck in I/O. */
const KILL_GRACE_MS = 5_000;

/** A process synctl has just started; it stays synctl's child until synctl exits. */
export interface Launched {
  readonly pid: number;
  /** The size of its log before it started: where this run's output begins. */
  readonly logStart: number;
  /** How it ended, once it has. */
  ended(): string | undefined;
}

export interface LaunchOptions {
  /** The app's `main.js`. */
  readonly script: string;
  readonly runDir: RunDir;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Starts the process in its own session, output appended to its log, and records its pid. It
 * keeps running after synctl exits and no terminal hang-up reaches it.
 */
export function launch(chatProcess: ChatProcess, options: LaunchOptions): Launched {
  const { script, runDir, cwd, env } = options;
  mkdirSync(runDir.path, { recursive: true });
  const log = openSync(runDir.logFile(chatProcess.name), 'a');
  const logStart = fstatSync(log).size;
  let ending: string | undefined;
  try {
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', script, ...chatProcess.configPaths.flatMap((path) => ['-c', path])],
      { cwd, env, detached: true, stdio: ['ignore', log, log] },
    );
    child.on('exit', (code, signal) => {
      ending = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    });
    // Without a pid, spawn itself failed (out of processes, say) and says why on 'error'.
    child.on('error', () => undefined);
    if (child.pid === undefined) throw new Error(`could not start ${chatProcess.name}`);
    child.unref();
    runDir.write(chatProcess.name, child.pid);
    return { pid: child.pid, logStart, ended: () => ending };
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(log);
  }
}

export type StartOutcome =
  | { readonly kind: 'healthy' }
  | { readonly kind: 'ended'; readonly how: string }
  | { readonly kind: 'timeout'; readonly why: string };

/** Polls `/health` until it answers 200, the process ends, or `timeoutMs` has passed. */
export async function waitUntilHealthy(
  launched: Launched,
  healthUrl: string,
  timeoutMs: number,
): Promise<StartOutcome> {
  const deadline = Date.now() + timeoutMs;
  let why = 'no answer yet';
  for (;;) {
    const how = launched.ended();
    if (how !== undefined) return { kind: 'ended', how };
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { kind: 'timeout', why };
    const health = await probeHealth(healthUrl, Math.min(PROBE_TIMEOUT_MS, remaining));
    if (health.healthy) return { kind: 'healthy' };
    why = health.why;
    await sleep(POLL_INTERVAL_MS);
  }
}

export type StopOutcome = 'exited' | 'killed' | 'survived';

/**
 * SIGTERM, then SIGKILL if the process has not exited within `timeoutMs`. `survived` means even
 * SIGKILL did not end it within a few seconds (uninterruptible I/O, or another user's process).
 */
export async function terminate(
  pid: number,
  script: string,
  timeoutMs: number,
): Promise<StopOutcome> {
  const gone = () => !isRunning(pid, script);
  if (!signal(pid, 'SIGTERM') || (await pollUntil(gone, timeoutMs))) return 'exited';
  signal(pid, 'SIGKILL');
  return (await pollUntil(gone, KILL_GRACE_MS)) ? 'killed' : 'survived';
}

/** Sends a signal; false when the process is already gone. */
function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

async function pollUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await sleep(POLL_INTERVAL_MS);
  }
  return true;
}
