import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError } from './config.error';
import { loadConfig } from './config.loader';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chat-config-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

function problemsOf(paths: string[]): ConfigError['problems'] {
  try {
    loadConfig(paths);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const WORKER_SHARED = `
server_name: example.com
database:
  name: psycopg2
  args: { host: localhost, database: chat }
redis:
  enabled: true
worker_replication_secret: s3cret
listeners:
  - port: 9093
    bind_address: 127.0.0.1
    type: http
    resources:
      - names: [replication]
`;

describe('loadConfig defaults', () => {
  it('fills every default from a file with only server_name', () => {
    const path = write('homeserver.yaml', 'server_name: example.com\n');
    const { config, warnings } = loadConfig([path]);

    expect(warnings).toEqual([]);
    expect(config.configPaths).toEqual([path]);
    expect(config.serverName).toBe('example.com');
    expect(config.publicBaseurl).toBe('https://example.com/');
    expect(config.listeners).toEqual([
      {
        port: 8008,
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
      args: { database: join(dir, 'homeserver.db'), cpMin: 5, cpMax: 10 },
    });
    expect(config.signingKeyPath).toBe(join(dir, 'example.com.signing.key'));
    expect(config.mediaStorePath).toBe(join(dir, 'media_store'));
    expect(config.log).toEqual({ level: 'info', format: 'json' });
    expect(config.enableRegistration).toBe(false);
    expect(config.enableRegistrationWithoutVerification).toBe(false);
    expect(config.registrationSharedSecret).toBeUndefined();
    expect(config.registrationRequiresToken).toBe(false);
    expect(config.allowGuestAccess).toBe(false);
    expect(config.maxRequestBodySize).toBe(10 * 1024 * 1024);
    expect(config.passwordHashingCost).toBe(3);
    expect(config.passwordConfig).toEqual({ enabled: true, minimumLength: 0 });
    expect(config.redis).toEqual({ enabled: false, host: 'localhost', port: 6379, useTls: false });
    expect(config.workerApp).toBeUndefined();
    expect(config.workerListeners).toEqual([]);
    expect(config.instanceMap).toEqual({});
    expect(config.streamWriters).toEqual({
      events: ['main'],
      typing: ['main'],
      to_device: ['main'],
      account_data: ['main'],
      receipts: ['main'],
      presence: ['main'],
      push_rules: ['main'],
      device_lists: ['main'],
    });
    expect(config.runBackgroundTasksOn).toBe('main');
    expect(config).toMatchObject({
      startPushers: true,
      pusherInstances: [],
      notifyAppservices: true,
      sendFederation: true,
      federationSenderInstances: [],
      enableMediaRepo: true,
      updateUserDirectory: true,
      usePresence: true,
    });
  });

  it("uses Synapse's rate-limit defaults and merges partial buckets", () => {
    const path = write(
      'homeserver.yaml',
      `server_name: example.com
rc_message: { per_second: 1 }
rc_login:
  address: { burst_count: 20 }
rc_federation: { concurrent: 5 }
`,
    );
    const { config } = loadConfig([path]);

    expect(config.rcMessage).toEqual({ perSecond: 1, burstCount: 10 });
    expect(config.rcAdminRedaction).toEqual({ perSecond: 1, burstCount: 10 });
    expect(config.rcRegistration).toEqual({ perSecond: 0.17, burstCount: 3 });
    expect(config.rcRegistrationTokenValidity).toEqual({ perSecond: 0.1, burstCount: 5 });
    expect(config.rcLogin).toEqual({
      address: { perSecond: 0.003, burstCount: 20 },
      account: { perSecond: 0.003, burstCount: 5 },
      failedAttempts: { perSecond: 0.17, burstCount: 3 },
    });
    expect(config.rcJoins).toEqual({
      local: { perSecond: 0.1, burstCount: 10 },
      remote: { perSecond: 0.01, burstCount: 10 },
    });
    expect(config.rcInvites).toEqual({
      perRoom: { perSecond: 0.3, burstCount: 10 },
      perUser: { perSecond: 0.003, burstCount: 5 },
      perIssuer: { perSecond: 0.3, burstCount: 10 },
    });
    expect(config.rcThirdPartyInvite).toEqual({ perSecond: 0.0025, burstCount: 5 });
    expect(config.rc3pidValidation).toEqual({ perSecond: 0.003, burstCount: 5 });
    expect(config.rcFederation).toEqual({
      windowSize: 1000,
      sleepLimit: 10,
      sleepDelay: 500,
      rejectLimit: 50,
      concurrent: 5,
    });
    expect(config.rcDeviceKeyRequests).toEqual({ perSecond: 20, burstCount: 100 });
    expect(config.rcPresence).toEqual({ perUser: { perSecond: 0.1, burstCount: 1 } });
    expect(config.rcDelayedEventMgmt).toEqual({ perSecond: 1, burstCount: 5 });
    expect(config.rcReports).toEqual({ perSecond: 1, burstCount: 5 });
    expect(config.rcRoomCreation).toEqual({ perSecond: 0.016, burstCount: 10 });
  });

  it('normalises public_baseurl and resolves relative paths against the file that set them', () => {
    const shared = write(
      'homeserver.yaml',
      `server_name: "[::1]:8448"
public_baseurl: http://localhost:8008
signing_key_path: keys/signing.key
media_store_path: /var/media
log: { level: debug, format: text, path: logs/chat.log }
`,
    );
    const { config } = loadConfig([shared]);

    expect(config.publicBaseurl).toBe('http://localhost:8008/');
    expect(config.signingKeyPath).toBe(join(dir, 'keys/signing.key'));
    expect(config.mediaStorePath).toBe('/var/media');
    expect(config.log).toEqual({
      level: 'debug',
      format: 'text',
      path: join(dir, 'logs/chat.log'),
    });
  });

  it('warns about unknown keys instead of refusing them', () => {
    const path = write(
      'homeserver.yaml',
      `server_name: example.com
report_stats: false
listeners:
  - port: 8008
    resources: [{ names: [client], bogus: 1 }]
`,
    );
    const { warnings } = loadConfig([path]);

    expect(warnings).toEqual([
      `${path}: report_stats: unknown key, ignored`,
      `${path}: listeners[0].resources[0].bogus: unknown key, ignored`,
    ]);
  });

  it('reads YAML 1.1 booleans as PyYAML does for Synapse configs', () => {
    const path = write(
      'homeserver.yaml',
      'server_name: example.com\nredis: { enabled: yes }\nuse_presence: off\n',
    );
    const { config } = loadConfig([path]);
    expect(config.redis.enabled).toBe(true);
    expect(config.usePresence).toBe(false);
  });
});

describe('loadConfig database', () => {
  it.each(['sqlite3', 'sqlite'])(
    'reads %s as sqlite with the path relative to its file',
    (name) => {
      const path = write(
        'homeserver.yaml',
        `server_name: example.com\ndatabase: { name: ${name}, args: { database: data/chat.db } }\n`,
      );
      expect(loadConfig([path]).config.database).toEqual({
        name: 'sqlite',
        args: { database: join(dir, 'data/chat.db'), cpMin: 5, cpMax: 10 },
      });
    },
  );

  it('keeps :memory: for sqlite', () => {
    const path = write(
      'homeserver.yaml',
      'server_name: example.com\ndatabase: { name: sqlite3, args: { database: ":memory:" } }\n',
    );
    expect(loadConfig([path]).config.database.args.database).toBe(':memory:');
  });

  it.each(['psycopg2', 'postgres', 'postgresql'])(
    'reads %s as postgres, dbname as database',
    (name) => {
      const path = write(
        'homeserver.yaml',
        `server_name: example.com
database:
  name: ${name}
  args: { host: db, port: 5433, user: chat, password: pw, dbname: chatdb, cp_min: 2, cp_max: 4 }
`,
      );
      expect(loadConfig([path]).config.database).toEqual({
        name: 'postgres',
        args: {
          host: 'db',
          port: 5433,
          user: 'chat',
          password: 'pw',
          database: 'chatdb',
          cpMin: 2,
          cpMax: 4,
        },
      });
    },
  );

  it('accepts a postgres url and refuses an unknown engine', () => {
    const ok = write(
      'ok.yaml',
      'server_name: example.com\ndatabase: { name: psycopg2, args: { url: "postgres://u@h/db" } }\n',
    );
    expect(loadConfig([ok]).config.database.args.url).toBe('postgres://u@h/db');

    const bad = write('bad.yaml', 'server_name: example.com\ndatabase: { name: mysql }\n');
    expect(problemsOf([bad])).toEqual([
      {
        file: bad,
        key: 'database.name',
        expected: 'one of sqlite3, sqlite, psycopg2, postgres, postgresql',
      },
    ]);
  });
});

describe('loadConfig listeners', () => {
  it('reads bind_address, bind_addresses and both together', () => {
    const path = write(
      'homeserver.yaml',
      `server_name: example.com
listeners:
  - port: 8008
    bind_address: 127.0.0.1
    resources: [{ names: [client] }]
  - port: 8009
    bind_addresses: ["::1", "127.0.0.1"]
    x_forwarded: true
    resources: [{ names: [federation, keys], compress: true }]
  - port: 8010
    bind_addresses: ["::1"]
    bind_address: 127.0.0.1
    resources: [{ names: [metrics] }]
  - port: 8011
    type: http
    resources: [{ names: [health] }]
`,
    );
    const { listeners } = loadConfig([path]).config;

    expect(listeners.map((l) => l.bindAddresses)).toEqual([
      ['127.0.0.1'],
      ['::1', '127.0.0.1'],
      ['::1', '127.0.0.1'],
      ['0.0.0.0'],
    ]);
    expect(listeners[1]).toEqual({
      port: 8009,
      bindAddresses: ['::1', '127.0.0.1'],
      type: 'http',
      xForwarded: true,
      resources: [{ names: ['federation', 'keys'], compress: true }],
    });
  });
});

describe('loadConfig with several files', () => {
  it('lets later files replace earlier ones key by key at the top level', () => {
    const shared = write(
      'homeserver.yaml',
      `server_name: example.com
enable_registration: true
registration_requires_token: true
redis: { enabled: false, host: redis.internal }
`,
    );
    const worker = write('override.yaml', 'redis: { port: 6380 }\nallow_guest_access: true\n');
    const { config } = loadConfig([shared, worker]);

    expect(config.configPaths).toEqual([shared, worker]);
    expect(config.enableRegistration).toBe(true);
    expect(config.allowGuestAccess).toBe(true);
    // The whole `redis` mapping comes from the later file: no deep merge, as in Synapse.
    expect(config.redis).toEqual({ enabled: false, host: 'localhost', port: 6380, useTls: false });
  });
});

describe('loadConfig problems', () => {
  it('lists every problem with its file and YAML key in one message', () => {
    const path = write(
      'homeserver.yaml',
      `server_name: "not a name!"
public_baseurl: ftp://example.com
listeners:
  - port: 70000
    type: tcp
    bind_address: localhost
    resources: [{ names: [client, websocket] }]
database: { name: sqlite3, args: { database: 3, cp_min: 0 } }
enable_registration: "yes"
rc_message: { per_second: -1, burst_count: 0 }
password_hashing_cost: 0
stream_writers: { typing: [a, b], nonsense: main }
worker_listeners: [8083]
log: debug
`,
    );
    let error: unknown;
    try {
      loadConfig([path]);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    const keys = problems.map((p) => p.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'server_name',
        'public_baseurl',
        'listeners[0].port',
        'listeners[0].type',
        'listeners[0].bind_address',
        'listeners[0].resources[0].names',
        'database.args.database',
        'database.args.cp_min',
        'enable_registration',
        'rc_message.per_second',
        'rc_message.burst_count',
        'password_hashing_cost',
        'stream_writers.typing',
        'stream_writers.nonsense',
        'worker_listeners',
        'log',
      ]),
    );
    expect(keys).not.toContain('worker_listeners[0]');
    expect(problems.every((p) => p.file === path)).toBe(true);
    const message = (error as ConfigError).format();
    expect(message.startsWith('Invalid configuration:\n')).toBe(true);
    expect(message).toContain(`  ${path}: listeners[0].port: expected an integer 1-65535`);
    expect(message).toContain(`  ${path}: enable_registration: expected true or false`);
    expect(message.split('\n')).toHaveLength(problems.length + 1);
  });

  it('says a single problem in one line, as a refused start prints it', () => {
    const problem = { file: '/etc/chat/homeserver.yaml', key: 'log.level', expected: 'debug' };
    expect(new ConfigError([problem]).format()).toBe(
      'Invalid configuration: /etc/chat/homeserver.yaml: log.level: expected debug',
    );
  });

  it('reports a missing server_name against the first file', () => {
    const shared = write('homeserver.yaml', 'enable_registration: false\n');
    const worker = write('worker.yaml', 'use_presence: false\n');
    expect(problemsOf([shared, worker])).toEqual([
      {
        file: shared,
        key: 'server_name',
        expected: 'a server name (hostname, IPv4 or [IPv6], optional :port)',
      },
    ]);
  });

  it('reports missing files and YAML syntax errors together', () => {
    const missing = join(dir, 'nope.yaml');
    const broken = write('broken.yaml', 'server_name: [unclosed\n');
    const notMapping = write('list.yaml', '- a\n- b\n');
    const problems = problemsOf([missing, broken, notMapping]);

    expect(problems[0]).toEqual({ file: missing, key: '', expected: 'a readable file (ENOENT)' });
    expect(problems[1]).toMatchObject({
      file: broken,
      key: '',
      expected: expect.stringMatching(/^valid YAML at line/),
    });
    expect(problems.at(-1)).toEqual({
      file: notMapping,
      key: '',
      expected: 'a YAML mapping of keys to values',
    });
    expect(new ConfigError(problems).format()).toContain(
      `  ${missing}: expected a readable file (ENOENT)`,
    );
  });

  it('accepts an empty worker file', () => {
    const shared = write('homeserver.yaml', 'server_name: example.com\n');
    const empty = write('empty.yaml', '');
    expect(loadConfig([shared, empty]).config.serverName).toBe('example.com');
  });

  it('refuses open registration without verification or token, as Synapse does', () => {
    const path = write('homeserver.yaml', 'server_name: example.com\nenable_registration: true\n');
    expect(problemsOf([path]).map((p) => p.key)).toEqual(['enable_registration']);
  });

  it('refuses cp_min above cp_max and sqlite without a database path', () => {
    const path = write(
      'homeserver.yaml',
      'server_name: example.com\ndatabase: { name: sqlite3, args: { cp_min: 9, cp_max: 3 } }\n',
    );
    expect(problemsOf([path]).map((p) => p.key)).toEqual([
      'database.args.cp_max',
      'database.args.database',
    ]);
  });
});

describe('loadConfig worker keys', () => {
  it('reads a seed-style worker config and derives instance_map.main from the seed keys', () => {
    const shared = write('homeserver.yaml', WORKER_SHARED);
    const worker = write(
      'worker1.yaml',
      `worker_app: chat.app.generic_worker
worker_name: worker1
worker_replication_host: 127.0.0.1
worker_replication_http_port: 9093
worker_listeners:
 - type: http
   port: 8083
   resources:
     - names: [client, federation]
worker_log_config: worker1_log_config.yaml
`,
    );
    const { config, warnings } = loadConfig([shared, worker]);

    expect(warnings).toEqual([]);
    expect(config.workerApp).toBe('chat.app.generic_worker');
    expect(config.workerName).toBe('worker1');
    expect(config.instanceMap).toEqual({ main: { host: '127.0.0.1', port: 9093 } });
    expect(config.workerListeners).toEqual([
      {
        port: 8083,
        bindAddresses: ['0.0.0.0'],
        type: 'http',
        xForwarded: false,
        resources: [{ names: ['client', 'federation'], compress: false }],
      },
    ]);
    expect(config.workerLogConfig).toBe(join(dir, 'worker1_log_config.yaml'));
  });

  it.each(['synchrotron', 'client_reader', 'event_creator', 'federation_reader'])(
    'starts historical chat.app.%s as a generic worker with a warning',
    (app) => {
      const shared = write('homeserver.yaml', WORKER_SHARED);
      const worker = write(
        'worker.yaml',
        `worker_app: chat.app.${app}\nworker_name: w1\ninstance_map: { main: { host: 127.0.0.1, port: 9093 } }\n`,
      );
      const { config, warnings } = loadConfig([shared, worker]);

      expect(config.workerApp).toBe('chat.app.generic_worker');
      expect(warnings).toEqual([
        `${worker}: worker_app: chat.app.${app} is deprecated; starting it as chat.app.generic_worker`,
      ]);
    },
  );

  it('refuses worker_replication_port and names Redis', () => {
    const shared = write('homeserver.yaml', WORKER_SHARED);
    const worker = write(
      'worker.yaml',
      'worker_app: chat.app.generic_worker\nworker_name: w1\nworker_replication_port: 9092\n',
    );
    const problems = problemsOf([shared, worker]);

    expect(problems).toEqual([
      {
        file: worker,
        key: 'worker_replication_port',
        expected:
          'no worker_replication_port: direct TCP replication was removed, enable `redis` instead',
      },
    ]);
  });

  it('refuses unknown apps, a bad worker_name and a worker without a name or main location', () => {
    const shared = write('homeserver.yaml', WORKER_SHARED);
    const bad = write('bad.yaml', 'worker_app: synapse.app.generic_worker\nworker_name: main\n');
    expect(problemsOf([shared, bad]).map((p) => p.key)).toEqual(['worker_app', 'worker_name']);

    const nameless = write('nameless.yaml', 'worker_app: chat.app.generic_worker\n');
    expect(problemsOf([shared, nameless])).toEqual([
      { file: nameless, key: 'worker_name', expected: 'a worker name when worker_app is set' },
      {
        file: shared,
        key: 'instance_map',
        expected:
          'an entry for "main" (or worker_replication_host and worker_replication_http_port)',
      },
    ]);
  });

  it('requires the seed replication keys to agree with instance_map.main', () => {
    const shared = write(
      'homeserver.yaml',
      `${WORKER_SHARED}instance_map:\n  main: { host: 127.0.0.1, port: 9093 }\n`,
    );
    const agreeing = write(
      'ok.yaml',
      'worker_app: chat.app.pusher\nworker_name: p1\nworker_replication_host: 127.0.0.1\nworker_replication_http_port: 9093\n',
    );
    const shared2 = write(
      'shared2.yaml',
      `${WORKER_SHARED}start_pushers: false\ninstance_map:\n  main: { host: 127.0.0.1, port: 9093 }\n`,
    );
    expect(loadConfig([shared2, agreeing]).config.instanceMap).toEqual({
      main: { host: '127.0.0.1', port: 9093 },
    });

    const disagreeing = write(
      'bad.yaml',
      'worker_app: chat.app.generic_worker\nworker_name: w1\nworker_replication_host: 10.0.0.1\nworker_replication_http_port: 9093\n',
    );
    expect(problemsOf([shared, disagreeing]).map((p) => p.key)).toEqual([
      'worker_replication_host',
    ]);

    const half = write(
      'half.yaml',
      'worker_app: chat.app.generic_worker\nworker_name: w1\nworker_replication_host: 127.0.0.1\n',
    );
    expect(problemsOf([shared, half]).map((p) => p.key)).toEqual(['worker_replication_http_port']);
  });

  it("refuses a seed-era duty app while main's legacy option still does the work", () => {
    const shared = write(
      'homeserver.yaml',
      `${WORKER_SHARED}instance_map:\n  main: { host: 127.0.0.1, port: 9093 }\n`,
    );
    const pusher = write('pusher.yaml', 'worker_app: chat.app.pusher\nworker_name: pusher1\n');
    expect(problemsOf([shared, pusher])).toEqual([
      {
        file: shared,
        key: 'start_pushers',
        expected: 'false in the shared config when a chat.app.pusher worker runs',
      },
    ]);
  });

  it('requires Redis and PostgreSQL for workers and worker_main_http_uri for frontend_proxy', () => {
    const shared = write('homeserver.yaml', 'server_name: example.com\n');
    const worker = write(
      'proxy.yaml',
      'worker_app: chat.app.frontend_proxy\nworker_name: fp1\ninstance_map: { main: { path: /run/main.sock } }\n',
    );
    expect(problemsOf([shared, worker]).map((p) => p.key)).toEqual([
      'redis.enabled',
      'database.name',
      'worker_main_http_uri',
    ]);
  });

  it('requires a replication secret when the replication listener is not on loopback', () => {
    const shared = write(
      'homeserver.yaml',
      `server_name: example.com
listeners:
  - port: 9093
    bind_addresses: ["0.0.0.0"]
    resources: [{ names: [replication] }]
`,
    );
    expect(problemsOf([shared])).toEqual([
      {
        file: shared,
        key: 'worker_replication_secret',
        expected: 'a secret: the replication listener on port 9093 binds a non-loopback address',
      },
    ]);

    const loopback = write(
      'loopback.yaml',
      'server_name: example.com\nlisteners: [{ port: 9093, bind_address: 127.0.0.1, resources: [{ names: [replication] }] }]\n',
    );
    expect(loadConfig([loopback]).warnings).toEqual([
      `${loopback}: worker_replication_secret: not set: replication requests are unauthenticated`,
    ]);
  });

  it('warns when a worker serves replication but is not in instance_map', () => {
    const shared = write(
      'homeserver.yaml',
      `${WORKER_SHARED}instance_map:\n  main: { host: 127.0.0.1, port: 9093 }\n`,
    );
    const worker = write(
      'worker.yaml',
      `worker_app: chat.app.generic_worker
worker_name: w1
worker_listeners: [{ port: 9094, bind_address: 127.0.0.1, resources: [{ names: [replication] }] }]
`,
    );
    expect(loadConfig([shared, worker]).warnings).toEqual([
      `${worker}: worker_listeners: has a replication listener but "w1" is not in instance_map`,
    ]);
  });

  it('validates instance_map entries', () => {
    const path = write(
      'homeserver.yaml',
      `server_name: example.com
instance_map:
  main: { host: localhost }
  w1: { host: localhost, port: 8034, path: /run/w1.sock }
  w2: { host: localhost, port: "8034" }
  w3: 12
`,
    );
    expect(problemsOf([path])).toEqual([
      { file: path, key: 'instance_map.main', expected: '{host, port[, tls]} or {path}' },
      { file: path, key: 'instance_map.w1', expected: '{host, port[, tls]} or {path}' },
      { file: path, key: 'instance_map.w2.port', expected: 'an integer 1-65535' },
      { file: path, key: 'instance_map.w3', expected: '{host, port[, tls]} or {path}' },
    ]);
  });
});

describe('loadConfig stream_writers', () => {
  const shared = (writers: string): string => `${WORKER_SHARED}
instance_map:
  main: { host: 127.0.0.1, port: 9093 }
  persister1: { host: 127.0.0.1, port: 8034 }
  persister2: { host: 127.0.0.1, port: 8035 }
  typing1: { path: /run/typing1.sock }
stream_writers:
${writers}
`;

  it('turns strings into lists and defaults the rest to main', () => {
    const path = write(
      'homeserver.yaml',
      shared(
        '  events: [persister1, persister2]\n  typing: typing1\n  receipts: [main, persister1]',
      ),
    );
    const { streamWriters } = loadConfig([path]).config;

    expect(streamWriters.events).toEqual(['persister1', 'persister2']);
    expect(streamWriters.typing).toEqual(['typing1']);
    expect(streamWriters.receipts).toEqual(['main', 'persister1']);
    expect(streamWriters.to_device).toEqual(['main']);
  });

  it('allows one writer only for single-writer streams', () => {
    const path = write(
      'homeserver.yaml',
      shared('  typing: [typing1, main]\n  events: []\n  presence: [main, main]'),
    );
    expect(problemsOf([path])).toEqual([
      {
        file: path,
        key: 'stream_writers.typing',
        expected: 'exactly one writer (only events, receipts, device_lists take several)',
      },
      {
        file: path,
        key: 'stream_writers.events',
        expected: 'an instance name or a non-empty list of instance names',
      },
      { file: path, key: 'stream_writers.presence', expected: 'each instance at most once' },
    ]);
  });

  it('requires every writer other than main to be in instance_map', () => {
    const path = write('homeserver.yaml', shared('  events: [persister1, persister3]'));
    expect(problemsOf([path])).toEqual([
      {
        file: path,
        key: 'stream_writers.events',
        expected: '"persister3" to be listed in instance_map',
      },
    ]);
  });
});
