import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** How long a server child gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 5_000;
/** Lines of a child's log quoted when it fails to start. */
const LOG_TAIL_LINES = 40;

/** Resolves when the child has exited (at once if it already has). */
export function childExited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** SIGTERM, then SIGKILL if the child is still there after the grace period. */
export async function terminateChild(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
  await childExited(child);
  clearTimeout(timer);
}

/** The end of a log file, where the reason a process failed usually is. */
export async function logTail(logPath: string): Promise<string> {
  const text = await readFile(logPath, 'utf8').catch(() => '');
  return text.split('\n').slice(-LOG_TAIL_LINES).join('\n');
}
