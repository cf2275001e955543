import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { checkConfig } from './proxy-binaries.test-helper';

// Each case starts node and compiles the tool: allow for a loaded machine.
jest.setTimeout(60_000);

const ROOT = join(__dirname, '../../../..');
const FIXTURES = join(__dirname, '../../fixtures');
const SHARED = join(FIXTURES, 'homeserver.yaml');
const WORKERS = join(FIXTURES, 'workers');

/** Runs the command exactly as `npm run proxy-config -- …` does. */
function proxyConfig(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'tools/proxy-config/bin/proxy-config.js'), ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The fixture deployment, with worker2 (bound to every address) placed explicitly. */
const SAMPLE_ARGS = [
  '-c',
  SHARED,
  '--workers',
  WORKERS,
  '--host',
  'worker2=10.0.0.12',
  '--listen',
  '8448',
];

describe('npm run proxy-config', () => {
  it('prints an nginx config for the sample deployment that nginx accepts', () => {
    const { status, stdout, stderr } = proxyConfig('--kind', 'nginx', ...SAMPLE_ARGS);
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(stdout).toContain(
      'upstream chat_generic_worker_by_user {\n    hash $chat_user consistent;\n    server 10.0.0.11:8083;  # worker1\n    server 10.0.0.12:8084;  # worker2\n',
    );
    // typing1 binds every address: the proxy reaches it where instance_map puts it.
    expect(stdout).toContain(
      'upstream chat_writer_typing {\n    server 10.0.0.31:8085;  # typing1\n',
    );
    expect(stdout).toContain(
      'upstream chat_media_repository_media {\n    server 10.0.0.41:8086;  # media1\n',
    );
    expect(stdout).toContain('upstream chat_user_dir {\n    server 10.0.0.51:8087;  # userdir1\n');
    expect(stdout).toContain('upstream chat_main {\n    server 127.0.0.1:8008;  # main\n');
    expect(stdout).toContain('    server_name example.com;\n');
    expect(stdout).toContain('    listen 8448;\n');
    expect(stdout).not.toMatch(/:9093\b/);
    expect(stdout).not.toContain('persister');
    // main serves no media listener here: media paths have only the media worker.
    expect(stdout).not.toContain('chat_main_media');

    const check = checkConfig('nginx', stdout);
    expect(check).toMatchObject({ status: 0 });
  });

  it('prints an HAProxy config that HAProxy accepts', () => {
    const { status, stdout, stderr } = proxyConfig(
      '--kind',
      'haproxy',
      ...SAMPLE_ARGS,
      '--max-body-size',
      '20M',
    );
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(stdout).toContain(
      'backend chat_generic_worker_federation_by_origin\n    balance hash var(txn.chat_origin)\n    hash-type consistent\n    server worker1 10.0.0.11:8083\n    server worker2 10.0.0.12:8084\n',
    );
    expect(stdout).toContain(`gt ${20 * 1024 * 1024} }`);
    expect(stdout).not.toMatch(/:9093\b/);

    const check = checkConfig('haproxy', stdout);
    expect(check).toMatchObject({ status: 0 });
    expect(check.output).not.toContain('[WARNING]');
  });

  it('notes a guessed address and sets workers aside for dedicated pools', () => {
    const { status, stdout, stderr } = proxyConfig(
      '--kind',
      'nginx',
      '-c',
      SHARED,
      '--workers',
      WORKERS,
      '--pool',
      'initial_sync=worker2',
    );
    expect(status).toBe(0);
    expect(stderr).toBe(
      'note: worker2 listens on every address (port 8084); assuming 127.0.0.1 (pass --host worker2=<address> otherwise)\n',
    );
    expect(stdout).toContain(
      'upstream chat_generic_worker_initial_sync {\n    hash $chat_user consistent;\n    server 127.0.0.1:8084;  # worker2\n',
    );
    expect(stdout).toContain('    listen 80;\n');
  });

  it('explains what is wrong, with exit status 2 for usage and 1 for the deployment', () => {
    const usage = proxyConfig('--kind', 'apache', '-c', SHARED);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^--kind nginx or --kind haproxy\n\nUsage: npm run proxy-config/);

    const pool = proxyConfig(
      '--kind',
      'nginx',
      '-c',
      SHARED,
      '--workers',
      WORKERS,
      '--pool',
      'sso=worker1,worker9',
    );
    expect(pool).toMatchObject({ status: 2, stdout: '' });
    expect(pool.stderr).toMatch(/^--pool names worker9, which has no config\n/);

    const host = proxyConfig('--kind', 'nginx', '-c', SHARED, '--host', 'worker1=10.0.0.1');
    expect(host).toMatchObject({ status: 2, stdout: '' });
    expect(host.stderr).toMatch(/^--host names worker1, which has no config\n/);

    const sso = proxyConfig(
      '--kind',
      'nginx',
      '-c',
      SHARED,
      '--workers',
      WORKERS,
      '--pool',
      'sso=worker1,main',
    );
    expect(sso).toMatchObject({ status: 1, stdout: '' });
    expect(sso.stderr).toContain(
      'one process for SSO (its sessions live in memory), not main, worker1',
    );

    const missing = proxyConfig('--kind', 'nginx', '-c', join(FIXTURES, 'absent.yaml'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(
      /^Invalid configuration: .*absent\.yaml: expected a readable file \(ENOENT\)/,
    );

    // Without its workers' files, the typing writer named in stream_writers cannot be reached.
    const partial = proxyConfig('--kind', 'nginx', '-c', SHARED);
    expect(partial.status).toBe(1);
    expect(partial.stderr).toContain(
      'stream_writers.typing names "typing1", which is not among the processes',
    );
  });

  it('prints its usage on --help', () => {
    const { status, stdout } = proxyConfig('--help');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run proxy-config -- --kind nginx\|haproxy/);
  });
});
