import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { EXIT_ERROR, EXIT_OK, USAGE, formatDuration, runSynctl } from './synctl.cli';
import { sharedConfig, writeDeployment } from './deployment.test-helper';

/** Runs the command in this process: for what needs no process started. */
async function synctl(
  argv: string[],
  dirs = { distDir: '/nonexistent', appsSourceDir: '/nonexistent' },
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runSynctl(
    argv,
    { out: (text) => (out += text), err: (text) => (err += text) },
    { cwd: process.cwd(), env: {}, ...dirs },
  );
  return { code, out, err };
}

describe('runSynctl arguments', () => {
  it('prints the usage for --help', async () => {
    expect(await synctl(['--help'])).toEqual({ code: EXIT_OK, out: USAGE, err: '' });
  });

  it.each([
    [['start'], '-c <shared config>'],
    [['reload', '-c', 'x.yaml'], 'unknown command reload'],
    [
      ['stop', '-c', 'x.yaml', '--stop-timeout', 'soon'],
      '--stop-timeout soon: expected a number of seconds',
    ],
    [
      ['stop', '-c', 'x.yaml', '--start-timeout', '0'],
      '--start-timeout 0: expected a number of seconds',
    ],
  ])('refuses %j with the usage', async (argv, message) => {
    expect(await synctl(argv)).toEqual({
      code: EXIT_ERROR,
      out: '',
      err: `${message}\n\n${USAGE}`,
    });
  });

  it('passes on the config problems the processes would refuse to start with', async () => {
    const files = writeDeployment(
      {
        ...sharedConfig(
          { client: 8008, replication: 9093 },
          { instance_map: { worker1: { host: '127.0.0.1', port: 9094 } } },
        ),
        redis: { enabled: false },
      },
      {},
    );
    try {
      const { code, err } = await synctl(['status', '-c', files.shared]);

      expect(code).toBe(EXIT_ERROR);
      expect(err).toBe(
        `Invalid configuration: ${files.shared}: redis.enabled: expected true when workers are used (replication runs over Redis)\n`,
      );
    } finally {
      rmSync(files.root, { recursive: true, force: true });
    }
  });
});

describe('start, before it starts anything,', () => {
  it('names the apps that are not built, and those that are not in this release', async () => {
    const files = writeDeployment(
      sharedConfig({ client: 8008, replication: 9093 }, { start_pushers: false }),
      {
        'pusher1.yaml': { worker_app: 'chat.app.pusher', worker_name: 'pusher1' },
        'pusher2.yaml': { worker_app: 'chat.app.pusher', worker_name: 'pusher2' },
      },
    );
    const dirs = { distDir: join(files.root, 'dist'), appsSourceDir: join(files.root, 'apps') };
    mkdirSync(join(dirs.appsSourceDir, 'main'), { recursive: true });
    try {
      const result = await synctl(
        ['start', '-c', files.shared, '--workers', files.workersDir, '--run-dir', files.root],
        dirs,
      );

      expect(result).toEqual({
        code: EXIT_ERROR,
        out: '',
        err:
          `${join(dirs.distDir, 'apps/main/main.js')} does not exist: run \`npm run build\` first\n` +
          'pusher1, pusher2: the pusher app is not in this release yet; change worker_app or remove the worker file\n',
      });
      expect(readdirSync(files.root)).not.toContain('main.log');
    } finally {
      rmSync(files.root, { recursive: true, force: true });
    }
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [61_000, '1m 1s'],
    [3 * 3_600_000 + 7 * 60_000 + 5_000, '3h 7m'],
    [2 * 86_400_000 + 3_600_000, '2d 1h'],
    [86_400_000 + 5_000, '1d 0h'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
