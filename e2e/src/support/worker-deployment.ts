import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

import { stringify as toYaml } from 'yaml';

import { ensureSigningKey } from '@chat/config';
import {
  childExited,
  createTestPostgresDatabase,
  findFreePort,
  logTail,
  terminateChild,
  type TestPostgresDatabase,
} from '@chat/testing';

const REPO_ROOT = join(__dirname, '../../..');
/** For the whole start, retries included: with `stop()` after it, within a jest hook's 60 s. */
const START_TIMEOUT_MS = 40_000;
const GENERIC_WORKER = 'chat.app.generic_worker';

/** The resource names one listener serves, as in the YAML: `['client']`, `['replication']`… */
export type ListenerResources = readonly string[];

export interface DeploymentSpec {
  /** Main's listeners; one must serve `replication`, where the workers reach main. */
  main: readonly ListenerResources[];
  /** The generic workers by `worker_name`, each with its listeners. */
  workers: Readonly<Record<string, readonly ListenerResources[]>>;
  /** Shared-config keys that place the work: `stream_writers`, `run_background_tasks_on`. */
  topology: Record<string, unknown>;
  /** The Redis every process uses; default the machine's (`CHAT_TEST_REDIS_URL`). */
  redis?: { host: string; port: number };
}

/** How a child ended, and everything it printed (stdout and stderr, as they came). */
export interface Exit {
  code: number | null;
  output: string;
}

interface Listener {
  port: number;
  resources: ListenerResources;
}

/** A child process whose output goes to a log file in the deployment's directory. */
interface Child {
  name: string;
  process: ChildProcess;
  logPath: string;
}

const unlimited = { per_second: 10_000, burst_count: 10_000 };

/**
 * A listener's port was free when it was picked but taken when the process bound it: the pick
 * comes from the range the kernel also gives outgoing connections (this run's and any other
 * test's) their local ports. A start with new ports will do.
 */
class PortTaken extends Error {}
const PORT_TAKEN = /EADDRINUSE|Address already in use/;

/**
 * Polls `probe` until it answers true. Fails when the child exits first or at `deadline`, with
 * the end of the child's log, which is where the reason is.
 */
async function until(
  child: Child,
  what: string,
  deadline: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  let last = 'no answer';
  for (;;) {
    const { exitCode, signalCode } = child.process;
    const failure =
      exitCode !== null || signalCode !== null
        ? `${child.name} exited (code ${exitCode}, signal ${signalCode}) before ${what}`
        : Date.now() > deadline
          ? `${child.name}: no ${what} within the deployment's ${START_TIMEOUT_MS / 1000} s to start (${last})`
          : undefined;
    if (failure) {
      const tail = await logTail(child.logPath);
      const message = `${failure}; the end of ${child.logPath}:\n${tail}`;
      throw exitCode !== null && PORT_TAKEN.test(tail)
        ? new PortTaken(message)
        : new Error(message);
    }
    try {
      if (await probe()) return;
      last = 'not yet';
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function answers200(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  await res.arrayBuffer();
  return res.status === 200;
}

/** nginx is in /usr/sbin on Debian, which a non-root user's PATH lacks. CI installs it. */
function nginxBinary(): string {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  const found = dirs.filter(Boolean).find((dir) => existsSync(join(dir, 'nginx')));
  if (!found) throw new Error('nginx is needed by this suite: apt-get install -y nginx');
  return join(found, 'nginx');
}

/**
 * The configs an operator would write for `spec`, in a fresh directory: the shared
 * homeserver.yaml (main's listeners, a fresh PostgreSQL database, Redis channels of this run's
 * own, every replication listener in `instance_map`) and `workers/<name>.yaml` per worker. The
 * processes run the built apps (`dist/apps/…/main.js`) on those files, and nginx runs the
 * config that `npm run proxy-config` generates from them. Every port is a free one.
 */
export class WorkerDeployment {
  /** By name, in start order: main first, nginx last. */
  private readonly children = new Map<string, Child>();
  private stopped: Promise<void> | undefined;
  /** `worker_replication_secret`, which replication requests carry as a Bearer token. */
  readonly replicationSecret = randomBytes(16).toString('hex');

  private constructor(
    private readonly dir: string,
    private readonly database: TestPostgresDatabase,
    private readonly listeners: ReadonlyMap<string, readonly Listener[]>,
    /** nginx's address: `http://127.0.0.1:<port>`, where clients go. */
    readonly baseUrl: string,
  ) {}

  /** The database every process shares, for checks in SQL. */
  get databaseUrl(): string {
    return this.database.url;
  }

  /** Process names, main first. */
  get names(): string[] {
    return [...this.listeners.keys()];
  }

  /** The base URL of `name`'s first listener serving `resource`, bypassing nginx. */
  url(name: string, resource: string): string {
    const listener = this.listeners.get(name)?.find((l) => l.resources.includes(resource));
    if (!listener) throw new Error(`${name} has no ${resource} listener`);
    return `http://127.0.0.1:${listener.port}`;
  }

  /** The config files `name` runs on, the shared one first. */
  configPaths(name: string): string[] {
    const shared = join(this.dir, 'homeserver.yaml');
    return name === 'main' ? [shared] : [shared, join(this.dir, 'workers', `${name}.yaml`)];
  }

  /** Sends `signal` to `name` and waits for it to exit. */
  async kill(name: string, signal: NodeJS.Signals): Promise<void> {
    const { process: child } = this.child(name);
    child.kill(signal);
    await childExited(child);
  }

  /** Starts `name` again after `kill`, on the same configs and ports, and waits until healthy. */
  async restart(name: string): Promise<void> {
    const { exitCode, signalCode } = this.child(name).process;
    if (exitCode === null && signalCode === null) throw new Error(`${name} is still running`);
    await this.startApp(name, Date.now() + START_TIMEOUT_MS);
  }

  /**
   * Runs `name`'s app once more, on `configs` (its own by default), and resolves when it exits:
   * for what a process says when it refuses to start. Fails if it is still running after the
   * time a start may take.
   */
  async runUntilExit(name: string, configs = this.configPaths(name)): Promise<Exit> {
    const child = spawn(process.execPath, this.appArgs(name, configs), { cwd: this.dir });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const running = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    clearTimeout(running);
    if (signal === 'SIGKILL') throw new Error(`${name} was still running:\n${output}`);
    return { code, output };
  }

  /**
   * Writes the configs, then starts main, the workers and nginx, each once healthy. Starts over
   * on new ports (and a new database) when a port was taken in the meantime.
   */
  static async start(spec: DeploymentSpec): Promise<WorkerDeployment> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const deployment = await WorkerDeployment.create(spec);
      try {
        await deployment.run(spec, deadline);
        return deployment;
      } catch (err) {
        await deployment.stop();
        if (!(err instanceof PortTaken) || Date.now() > deadline) throw err;
      }
    }
  }

  private static async create(spec: DeploymentSpec): Promise<WorkerDeployment> {
    const ports = new Set<number>();
    const freePort = async (): Promise<number> => {
      // The kernel may hand out a port it just handed out, once its probe socket is closed.
      let port = await findFreePort();
      while (ports.has(port)) port = await findFreePort();
      ports.add(port);
      return port;
    };
    const listeners = new Map<string, Listener[]>();
    for (const [name, all] of [['main', spec.main] as const, ...Object.entries(spec.workers)]) {
      const own: Listener[] = [];
      for (const resources of all) own.push({ port: await freePort(), resources });
      listeners.set(name, own);
    }
    const baseUrl = `http://127.0.0.1:${await freePort()}`;
    const dir = await mkdtemp(join(tmpdir(), 'chat-e2e-workers-'));
    const database = await createTestPostgresDatabase().catch(async (err: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw err;
    });
    return new WorkerDeployment(dir, database, listeners, baseUrl);
  }

  /** SIGTERM to nginx, the workers, then main (SIGKILL after 5 s); drops the database. */
  stop(): Promise<void> {
    return (this.stopped ??= (async () => {
      const [main, ...rest] = this.children.values();
      await Promise.all(rest.map((child) => terminateChild(child.process)));
      if (main) await terminateChild(main.process);
      await this.database.drop();
      await rm(this.dir, { recursive: true, force: true });
    })());
  }

  private async run(spec: DeploymentSpec, deadline: number): Promise<void> {
    const shared = await this.writeConfigs(spec);
    const [main, ...workers] = this.names;
    // Main first: it migrates the database and serves the replication the workers start with.
    await this.startApp(main, deadline);
    await Promise.all(workers.map((name) => this.startApp(name, deadline)));
    await this.startNginx(await this.proxyConfig(shared), deadline);
  }

  private child(name: string): Child {
    const child = this.children.get(name);
    if (!child) throw new Error(`${name} was never started`);
    return child;
  }

  private listenerValues(name: string): Record<string, unknown>[] {
    return (this.listeners.get(name) ?? []).map(({ port, resources }) => ({
      port,
      type: 'http',
      bind_addresses: ['127.0.0.1'],
      // Client listeners sit behind nginx, so they take the client's address from it.
      x_forwarded: resources.includes('client'),
      resources: [{ names: resources }],
    }));
  }

  private async writeConfigs(spec: DeploymentSpec): Promise<string> {
    const redisUrl = new URL(process.env['CHAT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
    const redis = spec.redis ?? { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) };
    const instanceMap = Object.fromEntries(
      this.names.flatMap((name) =>
        (this.listeners.get(name) ?? [])
          .filter((l) => l.resources.includes('replication'))
          .map((l) => [name, { host: '127.0.0.1', port: l.port }]),
      ),
    );
    const signingKeyPath = join(this.dir, 'signing.key');
    // Written once here: processes that start together would otherwise race to create it.
    ensureSigningKey(signingKeyPath);
    const shared = {
      server_name: 'localhost',
      public_baseurl: `${this.baseUrl}/`,
      listeners: this.listenerValues('main'),
      // Seven processes share the server's connection limit with whatever else runs tests.
      database: { name: 'postgres', args: { url: this.database.url, cp_min: 1, cp_max: 5 } },
      signing_key_path: signingKeyPath,
      media_store_path: join(this.dir, 'media'),
      enable_registration: true,
      enable_registration_without_verification: true,
      // Registration goes through argon2; its default cost is for people, not test users.
      password_hashing_cost: 1,
      log: { level: process.env['CHAT_TEST_LOG_LEVEL'] ?? 'warn' },
      // Tests register, join and send far faster than people; limits would only add flakiness.
      rc_message: unlimited,
      rc_registration: unlimited,
      rc_login: { address: unlimited, account: unlimited, failed_attempts: unlimited },
      rc_joins: { local: unlimited, remote: unlimited },
      rc_invites: { per_room: unlimited, per_user: unlimited, per_issuer: unlimited },
      redis: {
        enabled: true,
        ...redis,
        // Runs sharing a Redis never hear each other.
        channel_prefix: `${process.env['CHAT_TEST_REDIS_PREFIX'] ?? 'chat-test:'}${randomBytes(4).toString('hex')}:`,
      },
      worker_replication_secret: this.replicationSecret,
      instance_map: instanceMap,
      ...spec.topology,
    };
    const [sharedPath] = this.configPaths('main');
    await writeFile(sharedPath, toYaml(shared));
    await mkdir(join(this.dir, 'workers'));
    for (const name of Object.keys(spec.workers)) {
      const own = {
        worker_app: GENERIC_WORKER,
        worker_name: name,
        worker_listeners: this.listenerValues(name),
      };
      await writeFile(join(this.dir, 'workers', `${name}.yaml`), toYaml(own));
    }
    return sharedPath;
  }

  private spawn(name: string, command: string, args: string[]): Child {
    const logPath = join(this.dir, `${name}.log`);
    const log = openSync(logPath, 'a');
    try {
      const child = spawn(command, args, { cwd: this.dir, stdio: ['ignore', log, log] });
      const spawned = { name, process: child, logPath };
      // A restarted process takes its old place, so `stop` still stops main last.
      this.children.set(name, spawned);
      return spawned;
    } finally {
      // The child has its own copy of the descriptor.
      closeSync(log);
    }
  }

  /** `node` arguments that run `name`'s built app on `configs`. */
  private appArgs(name: string, configs: string[]): string[] {
    const app = name === 'main' ? 'main' : 'generic-worker';
    const script = join(REPO_ROOT, 'dist/apps', app, 'main.js');
    if (!existsSync(script)) throw new Error(`${script} is missing: npx nx build ${app}`);
    return ['--enable-source-maps', script, ...configs.flatMap((path) => ['-c', path])];
  }

  private async startApp(name: string, deadline: number): Promise<void> {
    const args = this.appArgs(name, this.configPaths(name));
    const child = this.spawn(name, process.execPath, args);
    // Every listener answers /health, so the first one tells when the process is up.
    const [first] = this.listeners.get(name) ?? [];
    await until(child, 'a healthy /health', deadline, () =>
      answers200(`http://127.0.0.1:${first.port}/health`),
    );
  }

  /** The operator's command, run on the files just written. */
  private async proxyConfig(shared: string): Promise<string> {
    const args = ['run', '--silent', 'proxy-config', '--', '--kind', 'nginx', '-c', shared];
    args.push('--workers', join(this.dir, 'workers'), '--server-name', 'localhost');
    args.push('--listen', this.baseUrl.replace('http://', ''));
    try {
      const { stdout } = await promisify(execFile)('npm', args, { cwd: REPO_ROOT });
      return stdout;
    } catch (err) {
      const failed = err as { code?: number; stderr?: string };
      throw new Error(`npm run proxy-config failed (${failed.code}):\n${failed.stderr}`);
    }
  }

  /**
   * nginx as a child process on the generated config: every path (pid, logs, temp files) in the
   * deployment's directory, so it needs no root; in the foreground as one process
   * (`master_process off`), so SIGTERM to the child stops all of it and no worker outlives it.
   */
  private async startNginx(generated: string, deadline: number): Promise<void> {
    const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
      (kind) => `    ${kind}_temp_path ${join(this.dir, 'nginx-temp', kind)};`,
    );
    const conf = join(this.dir, 'nginx.conf');
    await mkdir(join(this.dir, 'nginx-temp'));
    await writeFile(join(this.dir, 'chat.conf'), generated);
    await writeFile(
      conf,
      [
        'daemon off;',
        'master_process off;',
        `pid ${join(this.dir, 'nginx.pid')};`,
        // Into the child's log, like the apps' output.
        'error_log stderr warn;',
        'events {}',
        'http {',
        `    access_log ${join(this.dir, 'nginx-access.log')};`,
        ...temps,
        `    include ${join(this.dir, 'chat.conf')};`,
        '}',
        '',
      ].join('\n'),
    );
    const nginx = this.spawn('nginx', nginxBinary(), ['-p', this.dir, '-c', conf, '-e', 'stderr']);
    // An answer from a generic worker through nginx: it listens, and the upstreams are up.
    await until(nginx, 'an answer to /versions', deadline, () =>
      answers200(`${this.baseUrl}/_matrix/client/versions`),
    );
  }
}
