import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { findFreePort, type RunningServer, startServerProcess } from '@chat/testing';

const run = promisify(execFile);
const root = join(__dirname, '../..');

/** Runs a node script and returns its exit code and output instead of throwing on failure. */
async function node(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The status of GET /health once it answers 200, or the last one seen after 10 s (0: no answer). */
async function healthWithin10s(port: number): Promise<number> {
  let status = 0;
  for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.status,
      () => 0,
    );
  }
  return status;
}

describe('tools', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServerProcess({ engine: 'sqlite' });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('register-user creates an admin with the shared secret from the config file, once', async () => {
    const args = [
      'tools/register-user.js',
      '-c',
      server.configPath,
      '-u',
      'root',
      '-p',
      'hunter2hunter2',
      '--admin',
      server.baseUrl,
    ];
    const first = await node(args);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('Registered @root:localhost (admin)');

    const login = await fetch(`${server.baseUrl}/chat/client/v3/login`, {
      method: 'POST',
      body: JSON.stringify({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: 'root' },
        password: 'hunter2hunter2',
      }),
    });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ user_id: '@root:localhost' });

    const again = await node(args);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('M_USER_IN_USE');
  });

  it('register-user refuses a wrong secret', async () => {
    const result = await node([
      'tools/register-user.js',
      '-k',
      'not-the-secret',
      '-u',
      'eve',
      '-p',
      'pw',
      '--no-admin',
      server.baseUrl,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('M_FORBIDDEN');
  });

  it('main lists every config problem in one message and exits 1 without a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-badconfig-'));
    const file = join(dir, 'homeserver.yaml');
    writeFileSync(
      file,
      'server_name: "bad name!"\nlisteners:\n  - port: 99999\n    type: ftp\ndatabase:\n  name: oracle\n',
    );
    const result = await node(['dist/apps/main/main.js', '-c', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Invalid configuration:');
    for (const key of ['server_name', 'listeners[0].port', 'listeners[0].type', 'database.name']) {
      expect(result.stderr).toContain(`homeserver.yaml: ${key}`);
    }
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('generate-config writes a config and key that main starts with, and never overwrites them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-genconfig-'));
    const file = join(dir, 'homeserver.yaml');
    const port = await findFreePort();
    const generate = () =>
      node([
        'dist/apps/main/main.js',
        'generate-config',
        '-c',
        file,
        '--server-name',
        'example.org',
        '--port',
        String(port),
        '--bind-address',
        '127.0.0.1',
      ]);
    const generated = await generate();
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain('example.org.signing.key');

    const server = spawn(process.execPath, ['dist/apps/main/main.js', '-c', file], {
      cwd: root,
      stdio: 'ignore',
    });
    try {
      expect(await healthWithin10s(port)).toBe(200);
      const versions = await fetch(`http://127.0.0.1:${port}/chat/client/versions`);
      expect(versions.status).toBe(200);
    } finally {
      server.kill('SIGTERM');
    }

    const refused = await generate();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already exists');
  });

  it('main takes several -c files, a later one overriding an earlier one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-twoconfigs-'));
    const shared = join(dir, 'homeserver.yaml');
    const [firstPort, secondPort] = [await findFreePort(), await findFreePort()];
    const generated = await node([
      'dist/apps/main/main.js',
      'generate-config',
      '-c',
      shared,
      '--server-name',
      'example.org',
      '--port',
      String(firstPort),
      '--bind-address',
      '127.0.0.1',
    ]);
    expect(generated.code).toBe(0);
    const override = join(dir, 'override.yaml');
    writeFileSync(
      override,
      `listeners:\n  - port: ${secondPort}\n    bind_addresses: ['127.0.0.1']\n    type: http\n    resources: [{ names: [client, health] }]\n`,
    );

    const server = spawn(
      process.execPath,
      ['dist/apps/main/main.js', '-c', shared, '-c', override],
      { cwd: root, stdio: 'ignore' },
    );
    try {
      expect(await healthWithin10s(secondPort)).toBe(200);
      const first = await fetch(`http://127.0.0.1:${firstPort}/health`).then(
        (r) => r.status,
        () => 0,
      );
      expect(first).toBe(0);
    } finally {
      server.kill('SIGTERM');
    }
  });
});
