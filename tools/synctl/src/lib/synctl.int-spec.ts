import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import {
  type DeploymentFiles,
  generic,
  listener,
  sharedConfig,
  writeDeployment,
} from './deployment.test-helper';
import { isRunning } from './run-dir';

// Every case starts node and compiles the tool, some start several stubs: allow for a loaded machine.
jest.setTimeout(60_000);

const ROOT = join(__dirname, '../../../..');
const STUB = join(__dirname, '../../fixtures/stub-app.js');
// In file-name order, as synctl lists them.
const WORKERS = ['background1', 'persister1', 'worker1', 'worker2'];
const ALL = ['main', ...WORKERS];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `<dist>/apps/<app>/main.js` for each app: the stub, as a build would put the bundles. */
function writeStubDist(dist: string, apps: readonly string[]): void {
  for (const app of apps) {
    mkdirSync(join(dist, 'apps', app), { recursive: true });
    writeFileSync(join(dist, 'apps', app, 'main.js'), `require(${JSON.stringify(STUB)});\n`);
  }
}

describe('npm run synctl', () => {
  let files: DeploymentFiles;
  let dist: string;
  let runDir: string;
  /** Every pid a case saw, so that nothing outlives the suite. */
  const seen = new Map<number, string>();

  /** Runs the command exactly as `npm run synctl -- …` does, against the stub deployment. */
  function synctl(
    args: string[],
    env: Record<string, string> = {},
  ): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(
      process.execPath,
      [
        join(ROOT, 'tools/synctl/bin/synctl.js'),
        ...args,
        '-c',
        files.shared,
        '--workers',
        files.workersDir,
        '--run-dir',
        runDir,
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          CHAT_SYNCTL_DIST: dist,
          CHAT_STUB_IGNORES_SIGTERM: 'worker2',
          ...env,
        },
      },
    );
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  function pidOf(name: string): number | undefined {
    const file = join(runDir, `${name}.pid`);
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8'));
    seen.set(pid, name === 'main' ? 'main' : 'generic-worker');
    return pid;
  }

  const alive = (pid: number, app = 'generic-worker') =>
    isRunning(pid, join('apps', app, 'main.js'));

  const log = (name: string) => readFileSync(join(runDir, `${name}.log`), 'utf8');

  beforeAll(async () => {
    const [client, replication, worker1, worker2, persister1] = await Promise.all(
      [1, 2, 3, 4, 5].map(() => freePort()),
    );
    files = writeDeployment(
      sharedConfig(
        { client, replication },
        {
          instance_map: { persister1: { host: '127.0.0.1', port: persister1 } },
          stream_writers: { events: ['persister1'] },
          run_background_tasks_on: 'background1',
        },
      ),
      {
        'worker1.yaml': generic('worker1', [listener(worker1, ['client', 'federation'])]),
        'worker2.yaml': generic('worker2', [listener(worker2, ['client'])]),
        'persister1.yaml': generic('persister1', [listener(persister1, ['replication'])]),
        'background1.yaml': generic('background1'),
      },
    );
    dist = join(files.root, 'dist');
    runDir = join(files.root, 'run');
    writeStubDist(dist, ['main', 'generic-worker']);
  });

  afterAll(() => {
    for (const [pid, app] of seen) {
      if (alive(pid, app)) process.kill(pid, 'SIGKILL');
    }
    rmSync(files.root, { recursive: true, force: true });
  });

  it('starts main, waits for its /health, then the workers, detached, with pid files and logs', () => {
    const { status, stdout, stderr } = synctl(['start']);

    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    const lines = stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual([
      `main: started (app main, pid ${pidOf('main')})`,
      'main: healthy',
    ]);
    for (const name of WORKERS) {
      expect(lines).toContain(`${name}: started (app generic-worker, pid ${pidOf(name)})`);
    }
    expect(lines).toEqual(
      expect.arrayContaining([
        'worker1: healthy',
        'worker2: healthy',
        'persister1: healthy',
        'background1: no listener, so no /health to wait for',
      ]),
    );
    // synctl has exited; the processes it started have not.
    expect(alive(pidOf('main') as number, 'main')).toBe(true);
    for (const name of WORKERS) expect(alive(pidOf(name) as number)).toBe(true);
    expect(log('main')).toContain('stub main (main) listening on');
    expect(log('persister1')).toContain('stub persister1 (generic-worker) listening on');
  });

  it('status prints one line per process and exits 0 while all of them run', () => {
    const { status, stdout, stderr } = synctl(['status']);

    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(ALL.length);
    lines.forEach((line, index) => {
      const name = ALL[index];
      const app = name === 'main' ? 'main' : 'generic-worker';
      const health = name === 'background1' ? 'no listener' : 'healthy';
      expect(line).toMatch(
        new RegExp(`^${name} +${app} +pid ${pidOf(name)} +running +up \\d+s +${health}$`),
      );
    });
  });

  it('does not start a running process twice', () => {
    const before = ALL.map(pidOf);

    const { status, stdout } = synctl(['start']);

    expect(status).toBe(0);
    expect(stdout.trim().split('\n')).toEqual(
      ALL.map((name, index) => `${name}: already running (pid ${before[index]})`),
    );
    expect(ALL.map(pidOf)).toEqual(before);
  });

  it('stops only the named processes; status exits 3 when one of those is not running', () => {
    const worker1 = pidOf('worker1') as number;

    const stopped = synctl(['stop', 'worker1']);

    expect(stopped).toMatchObject({
      status: 0,
      stdout: `worker1: stopping (pid ${worker1})\nworker1: stopped\n`,
    });
    expect(alive(worker1)).toBe(false);
    expect(pidOf('worker1')).toBeUndefined();
    expect(log('worker1')).toContain('stub worker1: stopping on SIGTERM');
    expect(synctl(['status', 'worker1'])).toMatchObject({
      status: 3,
      stdout: 'worker1  generic-worker  -  stopped  -  -\n',
    });
    expect(synctl(['status', 'main', 'worker2']).status).toBe(0);
  });

  it('removes a stale pid file, then starts the process again', () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(runDir, 'worker1.pid'), `${dead}\n`);

    const status = synctl(['status', 'worker1']);

    expect(status).toMatchObject({
      status: 3,
      stderr: `note: worker1: removed a stale (pid ${dead}) pid file\n`,
    });
    expect(existsSync(join(runDir, 'worker1.pid'))).toBe(false);

    // A pid that came back as another program (this jest worker) is just as stale.
    writeFileSync(join(runDir, 'worker1.pid'), `${process.pid}\n`);
    const started = synctl(['start', 'worker1']);

    expect(started.status).toBe(0);
    expect(started.stderr).toBe(`note: worker1: removed a stale (pid ${process.pid}) pid file\n`);
    expect(started.stdout).toContain('worker1: healthy');
    expect(alive(pidOf('worker1') as number)).toBe(true);
  });

  it('restarts a process with a new pid', () => {
    const before = pidOf('persister1') as number;

    const { status, stdout } = synctl(['restart', 'persister1']);

    expect(status).toBe(0);
    expect(stdout).toContain('persister1: stopped\n');
    expect(stdout).toContain('persister1: healthy\n');
    expect(pidOf('persister1')).not.toBe(before);
    expect(alive(before)).toBe(false);
  });

  it('stops the workers, then main; one that ignores SIGTERM is killed after --stop-timeout', () => {
    const pids = new Map(ALL.map((name) => [name, pidOf(name) as number]));

    const { status, stdout, stderr } = synctl(['stop', '--stop-timeout', '1']);

    expect(status).toBe(0);
    expect(stderr).toBe('worker2: did not exit within 1 s of SIGTERM; killed with SIGKILL\n');
    const lines = stdout.trim().split('\n');
    for (const name of WORKERS) {
      expect(lines.indexOf(`${name}: stopped`)).toBeLessThan(
        lines.indexOf(`main: stopping (pid ${pids.get('main')})`),
      );
    }
    expect(lines[lines.length - 1]).toBe('main: stopped');
    for (const [name, pid] of pids) {
      expect(alive(pid, name === 'main' ? 'main' : 'generic-worker')).toBe(false);
    }
    expect(readdirSync(runDir).filter((file) => file.endsWith('.pid'))).toEqual([]);
    expect(log('worker2')).toContain('stub worker2: ignoring SIGTERM');

    writeFileSync(join(runDir, 'retired.pid'), `${process.pid}\n`);
    const after = synctl(['status']);
    rmSync(join(runDir, 'retired.pid'));
    expect(after.stderr).toBe(
      `note: ${join(runDir, 'retired.pid')} names a process no config describes; restore its worker file to manage it\n`,
    );
    expect(after.status).toBe(3);
    expect(after.stdout.trim().split('\n')).toHaveLength(ALL.length);
    expect(after.stdout).not.toContain('running');
  });

  it('says so, with the end of its log, when a process exits while starting; starts no workers', () => {
    const { status, stdout, stderr } = synctl(['start'], { CHAT_STUB_FAILS_AT_START: 'main' });

    expect(status).toBe(1);
    expect(stdout).toMatch(/^main: started \(app main, pid \d+\)\n$/);
    expect(stderr).toBe(
      `main: exited with code 1 while starting; its output in ${join(runDir, 'main.log')}:\n` +
        'stub main (main): failing at start\n',
    );
    expect(readdirSync(runDir).filter((file) => file.endsWith('.pid'))).toEqual([]);
  });

  it('refuses to start anything when an app is not built', () => {
    rmSync(join(dist, 'apps', 'generic-worker'), { recursive: true });
    try {
      const { status, stdout, stderr } = synctl(['start']);

      expect({ status, stdout }).toEqual({ status: 1, stdout: '' });
      expect(stderr).toBe(
        `${join(dist, 'apps', 'generic-worker', 'main.js')} does not exist: run \`npm run build\` first\n`,
      );
      expect(existsSync(join(runDir, 'main.pid'))).toBe(false);
    } finally {
      writeStubDist(dist, ['generic-worker']);
    }
  });

  it('refuses, in one line, a workers directory that names two workers alike', () => {
    writeFileSync(
      join(files.workersDir, 'worker1-copy.yaml'),
      'worker_app: chat.app.generic_worker\nworker_name: worker1\n',
    );
    try {
      const { status, stdout, stderr } = synctl(['status']);

      expect({ status, stdout }).toEqual({ status: 1, stdout: '' });
      expect(stderr).toBe(
        `worker_name worker1 is used by both ${join(files.workersDir, 'worker1-copy.yaml')} and ${join(files.workersDir, 'worker1.yaml')}\n`,
      );
    } finally {
      rmSync(join(files.workersDir, 'worker1-copy.yaml'));
    }
  });

  it('refuses a name the deployment does not have, and a missing command', () => {
    expect(synctl(['stop', 'worker9'])).toMatchObject({
      status: 1,
      stderr:
        'no process named worker9; this deployment has main, background1, persister1, worker1, worker2\n',
    });
    const usage = synctl([]);
    expect(usage.status).toBe(1);
    expect(usage.stderr).toMatch(/^a command\n\nUsage: npm run synctl/);
  });
});
