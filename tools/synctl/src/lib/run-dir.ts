import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, sep } from 'node:path';

const PID_SUFFIX = '.pid';

/** What a pid file says about a process. */
export type PidFileState =
  | { readonly kind: 'none' }
  | { readonly kind: 'running'; readonly pid: number; readonly since: Date }
  /** A pid file whose process is gone, or whose pid now belongs to another program. */
  | { readonly kind: 'stale'; readonly pid?: number };

/**
 * The directory of pid files (`<name>.pid`) and logs (`<name>.log`). A pid file is written when
 * synctl starts a process and removed when it stops it, so its age is the process's uptime.
 */
export class RunDir {
  constructor(readonly path: string) {}

  pidFile(name: string): string {
    return join(this.path, `${name}${PID_SUFFIX}`);
  }

  logFile(name: string): string {
    return join(this.path, `${name}.log`);
  }

  /**
   * `script` is the app's `apps/<app>/main.js`: a live pid running something else is a pid
   * reused after the process died (a reboot, say), which must never be signalled.
   */
  read(name: string, script: string): PidFileState {
    let text: string;
    let since: Date;
    try {
      text = readFileSync(this.pidFile(name), 'utf8');
      since = statSync(this.pidFile(name)).mtime;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
      throw error;
    }
    const pid = /^\s*(\d+)\s*$/.exec(text)?.[1];
    if (pid === undefined) return { kind: 'stale' };
    return isRunning(Number(pid), script)
      ? { kind: 'running', pid: Number(pid), since }
      : { kind: 'stale', pid: Number(pid) };
  }

  /** The names of the pid files present. */
  names(): string[] {
    let files: string[];
    try {
      files = readdirSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return files
      .filter((file) => file.endsWith(PID_SUFFIX))
      .map((file) => file.slice(0, -PID_SUFFIX.length));
  }

  write(name: string, pid: number): void {
    mkdirSync(this.path, { recursive: true });
    // Written whole or not at all: a reader never sees a half-written pid.
    const partial = `${this.pidFile(name)}.partial`;
    writeFileSync(partial, `${pid}\n`);
    renameSync(partial, this.pidFile(name));
  }

  remove(name: string): void {
    rmSync(this.pidFile(name), { force: true });
  }
}

/**
 * Whether `pid` is a live process running `script` (`apps/<app>/main.js`, matched as the end of
 * an argument, so a move of the checkout does not orphan running processes). Where `/proc`
 * exists (Linux), a zombie counts as gone and a process that runs no such script is someone
 * else's.
 */
export function isRunning(pid: number, script: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let stat: string;
  let commandLine: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // Without /proc, signal 0 is all there is to go on; with it, the process just exited.
    return !existsSync('/proc/self');
  }
  // The state follows the parenthesised command name, which may itself contain spaces.
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  const runsScript = commandLine
    .split('\0')
    .some((arg) => arg === script || arg.endsWith(`${sep}${script}`));
  return state !== 'Z' && runsScript;
}
