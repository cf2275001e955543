import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError } from '@chat/config';
import { stringify as toYaml } from 'yaml';

import { loadAppConfig } from './app-config';

const dir = mkdtempSync(join(tmpdir(), 'chat-app-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, values: Record<string, unknown>): string {
  const path = join(dir, name);
  writeFileSync(path, toYaml(values));
  return path;
}

const shared = file('homeserver.yaml', {
  server_name: 'example.com',
  database: { name: 'psycopg2', args: { database: 'chat' } },
  redis: { enabled: true },
  instance_map: { main: { host: '127.0.0.1', port: 9093 } },
});
const worker = (name: string, app: string) =>
  file(`${name}.yaml`, { worker_app: app, worker_name: name });

describe('loadAppConfig', () => {
  it('loads a config written for the app started', () => {
    expect(loadAppConfig('main', [shared]).config.workerApp).toBeUndefined();
    const loaded = loadAppConfig('generic-worker', [
      shared,
      worker('w1', 'chat.app.generic_worker'),
    ]);
    expect(loaded.config.workerName).toBe('w1');
    expect(loaded.warnings).toEqual([]);
  });

  it('refuses a config written for another app with one problem naming both', () => {
    const path = worker('p1', 'chat.app.pusher');
    const wrongApp = new ConfigError([
      {
        file: path,
        key: 'worker_app',
        expected: 'chat.app.generic_worker for the generic-worker app (found chat.app.pusher)',
      },
    ]);
    const pushersOff = file('pushers-off.yaml', { start_pushers: false });
    expect(() => loadAppConfig('generic-worker', [shared, pushersOff, path])).toThrow(wrongApp);
    // The pusher's own rule (main still starts pushers) is not what the operator needs to hear.
    expect(() => loadAppConfig('generic-worker', [shared, path])).toThrow(wrongApp);
    // Started as the pusher, the same files get the pusher's complaint.
    expect(() => loadAppConfig('pusher', [shared, path])).toThrow('start_pushers: expected false');
  });

  it('reports the problems of a config written for the app started as they are', () => {
    const path = file('bad-worker.yaml', { worker_app: 'chat.app.generic_worker' });
    expect(() => loadAppConfig('generic-worker', [shared, path])).toThrow(
      'worker_name: expected a worker name when worker_app is set',
    );
    expect(() => loadAppConfig('generic-worker', [join(dir, 'missing.yaml')])).toThrow(
      'expected a readable file (ENOENT)',
    );
  });

  it('starts a seed-era app as the generic worker, with a warning', () => {
    const path = worker('c1', 'chat.app.client_reader');
    const loaded = loadAppConfig('generic-worker', [shared, path]);
    expect(loaded.config.workerApp).toBe('chat.app.generic_worker');
    expect(loaded.warnings).toEqual([
      `${path}: worker_app: chat.app.client_reader is deprecated; starting it as chat.app.generic_worker`,
    ]);
  });
});
