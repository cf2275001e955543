import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, closeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DatabaseEngine } from '@chat/config';
import { stringify as toYaml } from 'yaml';
import { findFreePort } from './free-port';
import { createTestDatabase } from './test-database';

import { childExited, logTail, terminateChild } from './child-process';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const HEALTH_TIMEOUT_MS = 30_000;

export interface StartServerOptions {
  engine: DatabaseEngine;
  /** Top-level homeserver.yaml keys (snake_case) that replace the harness defaults. */
  extraConfig?: Record<string, unknown>;
  /** The bundle to run; default the built `dist/apps/main/main.js`. */
  mainPath?: string;
}

export interface RunningServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  baseUrl: string;
  port: number;
  serverName: string;
  sharedSecret: string;
  configPath: string;
  logPath: string;
  /** Sends `signal` to the server process and waits for it to exit; the database stays. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts the exited server again on the same config and database, and waits for /health. */
  restart(): Promise<void>;
  /** SIGTERM, SIGKILL after 5 s, then drops the database and removes the temp dir. */
  stop(): Promise<void>;
}

function snakeCaseKeys(record: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]),
  );
}

/** Synapse's signing key file format: `<algorithm> <version> <unpadded base64 seed>`. */
function signingKeyFile(): string {
  const seed = randomBytes(32).toString('base64').replace(/=+$/, '');
  return `ed25519 a_${randomBytes(3).toString('hex')} ${seed}\n`;
}

async function waitForHealth(baseUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `server exited (code ${child.exitCode}, signal ${child.signalCode}) before it was healthy`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) return;
      last = `GET /health answered ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server not healthy after ${HEALTH_TIMEOUT_MS / 1000} s (${last})`);
}

/**
 * Runs the built homeserver as a child process on a free loopback port with a fresh database,
 * and resolves once `GET /health` answers 200. Everything it creates is removed by `stop()`.
 */
export async function startServerProcess(options: StartServerOptions): Promise<RunningServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'chat-e2e-'));
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const serverName = 'localhost';
  const sharedSecret = randomBytes(24).toString('hex');
  const configPath = path.join(dir, 'homeserver.yaml');
  const logPath = path.join(dir, 'homeserver.log');
  const signingKeyPath = path.join(dir, 'signing.key');

  const database = await createTestDatabase(options.engine);
  // Tests register and log in far faster than a person; rate limits would only add flakiness.
  const unlimited = { per_second: 10_000, burst_count: 10_000 };
  const config = {
    server_name: serverName,
    public_baseurl: `${baseUrl}/`,
    listeners: [
      {
        port,
        bind_addresses: ['127.0.0.1'],
        type: 'http',
        x_forwarded: false,
        resources: [{ names: ['client', 'federation', 'health', 'metrics'] }],
      },
    ],
    database: { name: database.config.name, args: snakeCaseKeys(database.config.args) },
    signing_key_path: signingKeyPath,
    media_store_path: path.join(dir, 'media'),
    registration_shared_secret: sharedSecret,
    enable_registration: true,
    enable_registration_without_verification: true,
    rc_message: unlimited,
    rc_registration: unlimited,
    rc_login: { address: unlimited, account: unlimited, failed_attempts: unlimited },
    rc_joins: { local: unlimited, remote: unlimited },
    rc_invites: { per_room: unlimited, per_user: unlimited, per_issuer: unlimited },
    ...options.extraConfig,
  };
  await writeFile(signingKeyPath, signingKeyFile(), { mode: 0o600 });
  await writeFile(configPath, toYaml(config));

  const mainPath = options.mainPath ?? path.join(REPO_ROOT, 'dist/apps/main/main.js');
  const spawnServer = (): ChildProcess => {
    const logFd = openSync(logPath, 'a');
    const spawned = spawn(process.execPath, [mainPath, '-c', configPath], {
      cwd: dir,
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    return spawned;
  };
  let child = spawnServer();

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await terminateChild(child);
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    })());

  const becomeHealthy = async (): Promise<void> => {
    try {
      await waitForHealth(baseUrl, child);
    } catch (err) {
      const tail = await logTail(logPath);
      await stop();
      throw new Error(`${(err as Error).message}; last lines of the server log:\n${tail}`);
    }
  };

  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    child.kill(signal);
    await childExited(child);
  };

  const restart = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      throw new Error('restart() needs the server process to have exited first (see kill())');
    }
    child = spawnServer();
    await becomeHealthy();
  };

  await becomeHealthy();
  return { baseUrl, port, serverName, sharedSecret, configPath, logPath, kill, restart, stop };
}
