import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { type AppName, ConfigError } from '@chat/config';

import { type ChatProcess, type Deployment, DeploymentError, readDeployment } from './deployment';
import { probeHealth } from './health';
import { launch, terminate, waitUntilHealthy } from './process-control';
import { RunDir } from './run-dir';

export const USAGE = `Usage: npm run synctl -- start|stop|restart|status [name...] -c <homeserver.yaml> [-c ...]
                       [--workers <dir of worker yaml>] [options]

Starts, stops and reports the processes of a deployment: main (from the shared config) and one
worker per file in --workers. Names (main, or a worker_name) restrict the command to those.

  -c, --config-path <file>  the shared config; repeat for several files, as the server takes
  --workers <dir>           every *.yaml / *.yml in it is one worker's own config file
  --run-dir <dir>           pid files and logs, <name>.pid and <name>.log (default: ./run)
  --start-timeout <s>       how long start waits for each /health (default: 60)
  --stop-timeout <s>        how long stop waits after SIGTERM before SIGKILL (default: 30)

Exit status: 0 done, 1 error, 3 (status) a named process is not running.
`;

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
/** LSB's "program is not running", which service managers and scripts already understand. */
export const EXIT_NOT_RUNNING = 3;

const COMMANDS = ['start', 'stop', 'restart', 'status'] as const;
type Command = (typeof COMMANDS)[number];

const DEFAULT_START_TIMEOUT_S = 60;
const DEFAULT_STOP_TIMEOUT_S = 30;
/** `status` asks each process once; a process this slow to say "OK" is not healthy. */
const STATUS_PROBE_TIMEOUT_MS = 2_000;
/** What start shows of a process that died: enough for a stack trace or a config error. */
const LOG_TAIL_LINES = 20;
const LOG_TAIL_BYTES = 16 * 1024;

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/** What synctl takes from the machine, injectable for tests. */
export interface SynctlEnvironment {
  /** Where relative paths resolve and the processes run. */
  readonly cwd: string;
  /** Passed on to the processes. */
  readonly env: NodeJS.ProcessEnv;
  /** The build output: apps at `<distDir>/apps/<app>/main.js`. */
  readonly distDir: string;
  /** The apps' sources (`apps/`): an app missing there is not in this release at all. */
  readonly appsSourceDir: string;
}

class UsageError extends Error {}

/** Everything a command works on. */
interface Control {
  readonly deployment: Deployment;
  readonly selected: readonly ChatProcess[];
  readonly runDir: RunDir;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly io: CliOutput;
  readonly environment: SynctlEnvironment;
}

interface CommandLine {
  readonly command: Command;
  readonly names: readonly string[];
  readonly sharedPaths: readonly string[];
  readonly workersDir?: string;
  readonly runDir: string;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
}

/** Runs one command; returns the exit code. */
export async function runSynctl(
  argv: readonly string[],
  io: CliOutput,
  environment: SynctlEnvironment,
): Promise<number> {
  try {
    const commandLine = parseCommandLine(argv, environment.cwd);
    if (commandLine === 'help') {
      io.out(USAGE);
      return EXIT_OK;
    }
    const deployment = readDeployment(commandLine.sharedPaths, commandLine.workersDir);
    const control: Control = {
      deployment,
      selected: select(deployment, commandLine.names),
      runDir: new RunDir(commandLine.runDir),
      startTimeoutMs: commandLine.startTimeoutMs,
      stopTimeoutMs: commandLine.stopTimeoutMs,
      io,
      environment,
    };
    if (commandLine.names.length === 0 && commandLine.command !== 'start') noteStrays(control);
    switch (commandLine.command) {
      case 'start':
        return await start(control);
      case 'stop':
        return await stop(control);
      case 'restart': {
        const stopped = await stop(control);
        return stopped === EXIT_OK ? await start(control) : stopped;
      }
      case 'status':
        return await status(control);
    }
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.err(`${(error as Error).message}\n\n${USAGE}`);
    } else if (
      error instanceof ConfigError ||
      error instanceof DeploymentError ||
      isSystemError(error)
    ) {
      io.err(`${error.message}\n`);
    } else {
      throw error;
    }
    return EXIT_ERROR;
  }
}

/** Paths come back absolute (resolved against `cwd`): the processes get them as they are. */
function parseCommandLine(argv: readonly string[], cwd: string): CommandLine | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      'config-path': { type: 'string', short: 'c', multiple: true },
      workers: { type: 'string' },
      'run-dir': { type: 'string' },
      'start-timeout': { type: 'string' },
      'stop-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) return 'help';
  const [command, ...names] = positionals;
  if (!isCommand(command)) {
    throw new UsageError(command === undefined ? 'a command' : `unknown command ${command}`);
  }
  const sharedPaths = values['config-path'] ?? [];
  if (sharedPaths.length === 0) throw new UsageError('-c <shared config>');
  const inCwd = (path: string) => resolve(cwd, path);
  return {
    command,
    names,
    sharedPaths: sharedPaths.map(inCwd),
    ...(values.workers === undefined ? {} : { workersDir: inCwd(values.workers) }),
    runDir: inCwd(values['run-dir'] ?? 'run'),
    startTimeoutMs: seconds('--start-timeout', values['start-timeout'], DEFAULT_START_TIMEOUT_S),
    stopTimeoutMs: seconds('--stop-timeout', values['stop-timeout'], DEFAULT_STOP_TIMEOUT_S),
  };
}

function isCommand(value: string | undefined): value is Command {
  return (COMMANDS as readonly (string | undefined)[]).includes(value);
}

function seconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback * 1000;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new UsageError(`${flag} ${value}: expected a number of seconds`);
  }
  return parsed * 1000;
}

/** The named processes in deployment order (main first), or all of them. */
function select(deployment: Deployment, names: readonly string[]): ChatProcess[] {
  const known = deployment.processes.map((instance) => instance.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new DeploymentError([
      `no process named ${unknown.join(', ')}; this deployment has ${known.join(', ')}`,
    ]);
  }
  return names.length === 0
    ? [...deployment.processes]
    : deployment.processes.filter((instance) => names.includes(instance.name));
}

/**
 * Pid files of processes the deployment no longer has (a worker file removed while it ran):
 * synctl cannot tell which app they run, so it only points them out.
 */
function noteStrays(control: Control): void {
  const known = new Set(control.deployment.processes.map((instance) => instance.name));
  for (const name of control.runDir.names().filter((name) => !known.has(name))) {
    control.io.err(
      `note: ${control.runDir.pidFile(name)} names a process no config describes; restore its worker file to manage it\n`,
    );
  }
}

/** The script's tail, which is also how a running process is recognised. */
function appScript(app: AppName): string {
  return join('apps', app, 'main.js');
}

const isMain = (instance: ChatProcess) => instance.app === 'main';

/** A running process's pid and start; a stale pid file is removed on the way, and said so. */
function running(
  control: Control,
  instance: ChatProcess,
): { pid: number; since: Date } | undefined {
  const state = control.runDir.read(instance.name, appScript(instance.app));
  if (state.kind === 'running') return state;
  if (state.kind === 'stale') {
    control.runDir.remove(instance.name);
    const which = state.pid === undefined ? 'an unreadable' : `a stale (pid ${state.pid})`;
    control.io.err(`note: ${instance.name}: removed ${which} pid file\n`);
  }
  return undefined;
}

/** Main first and healthy, then the workers together, each waited for if it has a listener. */
async function start(control: Control): Promise<number> {
  const { io, deployment, environment } = control;
  for (const warning of deployment.warnings) io.err(`warning: ${warning}\n`);

  const toStart = control.selected.filter((instance) => {
    const current = running(control, instance);
    if (current) io.out(`${instance.name}: already running (pid ${current.pid})\n`);
    return current === undefined;
  });
  if (!allBuilt(control, toStart)) return EXIT_ERROR;
  const scriptOf = (instance: ChatProcess) => join(environment.distDir, appScript(instance.app));

  const startTogether = async (instances: readonly ChatProcess[]): Promise<boolean> => {
    const launched = instances.map((instance) => {
      const handle = launch(instance, {
        script: scriptOf(instance),
        runDir: control.runDir,
        cwd: environment.cwd,
        env: environment.env,
      });
      io.out(`${instance.name}: started (app ${instance.app}, pid ${handle.pid})\n`);
      return { instance, handle };
    });
    const started = await Promise.all(
      launched.map(async ({ instance, handle }) => {
        if (instance.healthUrl === undefined) {
          io.out(`${instance.name}: no listener, so no /health to wait for\n`);
          return true;
        }
        const outcome = await waitUntilHealthy(handle, instance.healthUrl, control.startTimeoutMs);
        const log = control.runDir.logFile(instance.name);
        switch (outcome.kind) {
          case 'healthy':
            io.out(`${instance.name}: healthy\n`);
            return true;
          case 'ended':
            control.runDir.remove(instance.name);
            io.err(`${instance.name}: ${outcome.how} while starting; its output in ${log}:\n`);
            io.err(logTail(log, handle.logStart));
            return false;
          case 'timeout':
            io.err(
              `${instance.name}: ${instance.healthUrl} did not answer OK within ${control.startTimeoutMs / 1000} s (${outcome.why}); it is still running (pid ${handle.pid}), see ${log}\n`,
            );
            return false;
        }
      }),
    );
    return started.every(Boolean);
  };

  // Workers call main's replication listener, and main migrates the database first.
  if (!(await startTogether(toStart.filter(isMain)))) return EXIT_ERROR;
  const workersStarted = await startTogether(toStart.filter((instance) => !isMain(instance)));
  return workersStarted ? EXIT_OK : EXIT_ERROR;
}

/** Whether every app about to start is built; says what to do about each that is not. */
function allBuilt(control: Control, instances: readonly ChatProcess[]): boolean {
  const { distDir, appsSourceDir } = control.environment;
  const apps = [...new Set(instances.map((instance) => instance.app))];
  const unbuilt = apps.filter((app) => !existsSync(join(distDir, appScript(app))));
  for (const app of unbuilt) {
    const names = instances.filter((instance) => instance.app === app).map(({ name }) => name);
    control.io.err(
      existsSync(join(appsSourceDir, app))
        ? `${join(distDir, appScript(app))} does not exist: run \`npm run build\` first\n`
        : `${names.join(', ')}: the ${app} app is not in this release yet; change worker_app or remove the worker file\n`,
    );
  }
  return unbuilt.length === 0;
}

/** Workers first, together, then main: the workers stop calling main before it goes. */
async function stop(control: Control): Promise<number> {
  const { io } = control;
  const stopTogether = async (instances: readonly ChatProcess[]): Promise<boolean> => {
    const stopped = await Promise.all(
      instances.map(async (instance) => {
        const pid = running(control, instance)?.pid;
        if (pid === undefined) {
          io.out(`${instance.name}: not running\n`);
          return true;
        }
        io.out(`${instance.name}: stopping (pid ${pid})\n`);
        const outcome = await terminate(pid, appScript(instance.app), control.stopTimeoutMs);
        if (outcome === 'survived') {
          io.err(`${instance.name}: still running after SIGKILL (pid ${pid}); pid file kept\n`);
          return false;
        }
        control.runDir.remove(instance.name);
        if (outcome === 'killed') {
          io.err(
            `${instance.name}: did not exit within ${control.stopTimeoutMs / 1000} s of SIGTERM; killed with SIGKILL\n`,
          );
        }
        io.out(`${instance.name}: stopped\n`);
        return true;
      }),
    );
    return stopped.every(Boolean);
  };
  const workersStopped = await stopTogether(control.selected.filter((i) => !isMain(i)));
  const mainStopped = workersStopped && (await stopTogether(control.selected.filter(isMain)));
  return mainStopped ? EXIT_OK : EXIT_ERROR;
}

/** One line per process: name, app, pid, running/stopped, uptime, health. */
async function status(control: Control): Promise<number> {
  const rows = await Promise.all(
    control.selected.map(async (instance) => {
      const current = running(control, instance);
      if (current === undefined) {
        return { running: false, cells: [instance.name, instance.app, '-', 'stopped', '-', '-'] };
      }
      let health = 'no listener';
      if (instance.healthUrl !== undefined) {
        const answer = await probeHealth(instance.healthUrl, STATUS_PROBE_TIMEOUT_MS);
        health = answer.healthy ? 'healthy' : `unhealthy (${answer.why})`;
      }
      const uptime = `up ${formatDuration(Date.now() - current.since.getTime())}`;
      const cells = [instance.name, instance.app, `pid ${current.pid}`, 'running', uptime, health];
      return { running: true, cells };
    }),
  );
  const widths = rows[0].cells.map((_, column) =>
    Math.max(...rows.map((row) => row.cells[column].length)),
  );
  for (const { cells } of rows) {
    const line = cells.map((cell, column) => cell.padEnd(widths[column])).join('  ');
    control.io.out(`${line.trimEnd()}\n`);
  }
  return rows.every((row) => row.running) ? EXIT_OK : EXIT_NOT_RUNNING;
}

/** `3d 4h`, `4h 12m`, `12m 5s` or `5s`: two units are enough to tell restarts apart. */
export function formatDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  let rest = Math.max(0, Math.floor(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || parts.length > 0) parts.push(`${count}${unit}`);
  }
  return parts.length === 0 ? '0s' : parts.slice(0, 2).join(' ');
}

/** The last lines a process wrote to its log since `from`: earlier runs' lines are not its. */
function logTail(path: string, from: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '(no log)\n';
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(from, size - LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(Math.max(0, size - start));
    readSync(fd, buffer, 0, buffer.length, start);
    const text = buffer.toString('utf8').trimEnd();
    return text === '' ? '(nothing)\n' : `${text.split('\n').slice(-LOG_TAIL_LINES).join('\n')}\n`;
  } finally {
    closeSync(fd);
  }
}

function isParseArgsError(error: unknown): boolean {
  return (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ?? false;
}

/** Operating-system failures (an unwritable run dir, a process of another user): no stack. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
