import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { RunDir, isRunning } from './run-dir';

const SCRIPT = join('apps', 'main', 'main.js');

/** A real process whose command line names `<dir>/apps/main/main.js`, as synctl's children do. */
function sleeper(dir: string): ChildProcess {
  const script = join(dir, SCRIPT);
  mkdirSync(join(dir, 'apps', 'main'), { recursive: true });
  writeFileSync(script, 'setInterval(() => undefined, 60_000);\n');
  return spawn(process.execPath, [script], { stdio: 'ignore' });
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once('exit', resolve));
}

describe('RunDir', () => {
  let dir: string;
  let runDir: RunDir;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'synctl-run-'));
    runDir = new RunDir(join(dir, 'run'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('names pid files and logs after the process', () => {
    expect(runDir.pidFile('worker1')).toBe(join(dir, 'run', 'worker1.pid'));
    expect(runDir.logFile('worker1')).toBe(join(dir, 'run', 'worker1.log'));
  });

  it('has no pid file for a process it never started', () => {
    expect(runDir.read('main', SCRIPT)).toEqual({ kind: 'none' });
  });

  it('reads back a written pid of a running app process, with the time it was written', () => {
    const child = sleeper(dir);
    children.push(child);
    const before = Date.now();
    runDir.write('main', child.pid as number);

    const state = runDir.read('main', SCRIPT);

    expect(state).toMatchObject({ kind: 'running', pid: child.pid });
    // The file's mtime: whole seconds on some filesystems.
    expect(state.kind === 'running' && state.since.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it('calls a pid file stale once its process has exited', async () => {
    const child = sleeper(dir);
    runDir.write('main', child.pid as number);
    child.kill('SIGKILL');
    await exited(child);

    expect(runDir.read('main', SCRIPT)).toEqual({ kind: 'stale', pid: child.pid });
  });

  it('calls a pid file stale when its pid now runs another program', () => {
    // This jest worker is alive, but it is not an app.
    runDir.write('main', process.pid);

    expect(runDir.read('main', SCRIPT)).toEqual({ kind: 'stale', pid: process.pid });
  });

  it('calls a pid file stale when it holds no pid', () => {
    mkdirSync(runDir.path);
    writeFileSync(runDir.pidFile('main'), 'not a pid\n');

    expect(runDir.read('main', SCRIPT)).toEqual({ kind: 'stale' });
  });

  it('lists the names of its pid files, none before it exists', () => {
    expect(runDir.names()).toEqual([]);
    runDir.write('worker1', process.pid);
    runDir.write('main', process.pid);
    writeFileSync(runDir.logFile('old'), '');

    expect(runDir.names().sort()).toEqual(['main', 'worker1']);
  });

  it('removes a pid file, and does not mind one that is already gone', () => {
    runDir.write('main', process.pid);
    runDir.remove('main');
    runDir.remove('main');

    expect(runDir.read('main', SCRIPT)).toEqual({ kind: 'none' });
  });
});

describe('isRunning', () => {
  it('is false for a pid no process has', async () => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await exited(child);

    expect(isRunning(child.pid as number, SCRIPT)).toBe(false);
  });

  it('matches the script by its tail, so a moved checkout still finds its processes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synctl-run-'));
    const child = sleeper(dir);
    try {
      expect(isRunning(child.pid as number, SCRIPT)).toBe(true);
      expect(isRunning(child.pid as number, join('apps', 'pusher', 'main.js'))).toBe(false);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
