import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadConfig } from './config.loader';
import { renderDefaultConfig } from './default-config.renderer';

describe('renderDefaultConfig', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat-config-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function roundTrip(yaml: string): ReturnType<typeof loadConfig> {
    const path = join(dir, 'homeserver.yaml');
    writeFileSync(path, yaml);
    return loadConfig([path]);
  }

  it('renders a commented config that loadConfig accepts without warnings', () => {
    const yaml = renderDefaultConfig({
      serverName: 'chat.example.org',
      dataDir: join(dir, 'data'),
      signingKeyPath: join(dir, 'data', 'chat.example.org.signing.key'),
      databasePath: join(dir, 'data', 'homeserver.db'),
      registrationSharedSecret: 'a "quoted" secret: with colon',
      port: 18008,
    });
    const { config, warnings } = roundTrip(yaml);

    expect(warnings).toEqual([]);
    expect(config.serverName).toBe('chat.example.org');
    expect(config.publicBaseurl).toBe('https://chat.example.org/');
    expect(config.listeners).toEqual([
      {
        port: 18008,
        bindAddresses: ['0.0.0.0'],
        type: 'http',
        xForwarded: false,
        resources: [
          { names: ['client', 'federation', 'keys', 'media', 'health'], compress: false },
        ],
      },
    ]);
    expect(config.database).toEqual({
      name: 'sqlite',
      args: { database: join(dir, 'data', 'homeserver.db'), cpMin: 5, cpMax: 10 },
    });
    expect(config.signingKeyPath).toBe(join(dir, 'data', 'chat.example.org.signing.key'));
    expect(config.mediaStorePath).toBe(join(dir, 'data', 'media_store'));
    expect(config.registrationSharedSecret).toBe('a "quoted" secret: with colon');
    expect(config.enableRegistration).toBe(false);
    expect(config.workerApp).toBeUndefined();
  });

  it('documents every section and shows the worker keys commented out', () => {
    const yaml = renderDefaultConfig({
      serverName: 'localhost:8448',
      dataDir: 'data',
      signingKeyPath: 'data/localhost.signing.key',
      databasePath: 'data/homeserver.db',
    });

    for (const key of [
      'server_name',
      'listeners',
      'database',
      'log',
      'enable_registration',
      'redis',
    ]) {
      expect(yaml).toMatch(new RegExp(`#[^\\n]*\\n${key}:`));
    }
    expect(yaml).toContain('#registration_shared_secret:');
    expect(yaml).toContain('#rc_message:\n#  per_second: 0.2\n#  burst_count: 10');
    expect(yaml).toContain('#worker_app: chat.app.generic_worker');
    expect(yaml).toContain('#worker_replication_http_port: 9093');
    expect(yaml).toContain('#stream_writers:');

    const { config } = roundTrip(yaml);
    expect(config.listeners[0].port).toBe(8008);
    expect(config.registrationSharedSecret).toBeUndefined();
    expect(config.mediaStorePath).toBe(join(dir, 'data', 'media_store'));
  });
});
