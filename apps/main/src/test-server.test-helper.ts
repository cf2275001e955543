import { parseConfig, type HomeserverConfig } from '@chat/config';
import { bootstrapHttp, type RunningHttp } from '@chat/platform';
import {
  createTestDatabase,
  OpenApiValidator,
  specCheckedRequest,
  type ApiRequestOptions,
  type ApiResponse,
  type TestDatabase,
} from '@chat/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AppModule } from './app.module';

export type Engine = 'sqlite' | 'postgres';

/** The `redis` config of a worker-mode test: each run on its own channels, so runs sharing a Redis never hear each other. */
export function testRedis(): Record<string, unknown> {
  const url = new URL(process.env['CHAT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  return {
    enabled: true,
    host: url.hostname,
    port: Number(url.port || 6379),
    channel_prefix: `${process.env['CHAT_TEST_REDIS_PREFIX'] ?? 'chat-test:'}${randomBytes(4).toString('hex')}:`,
  };
}

/**
 * The shared config of a worker-mode test: Redis channels of its own (`testRedis()`), the
 * replication secret, and where each process with a replication listener listens (`ports` is
 * read when called, so call it once the ports are picked).
 */
export function workerModeShared(
  redis: Record<string, unknown>,
  ports: Record<string, number>,
): Record<string, unknown> {
  return {
    redis,
    worker_replication_secret: 'replication-test-secret',
    instance_map: Object.fromEntries(
      Object.entries(ports).map(([name, port]) => [name, { host: '127.0.0.1', port }]),
    ),
  };
}

/** A generic worker's own keys, on top of the deployment's shared config. */
export function genericWorker(
  shared: Record<string, unknown>,
  name: string,
): Record<string, unknown> {
  return { ...shared, worker_app: 'chat.app.generic_worker', worker_name: name };
}
export const ENGINES: Engine[] = ['sqlite', 'postgres'];

export type { ApiResponse };

/**
 * The real main app, in this jest process, on 127.0.0.1 port 0, with a fresh database. Every
 * response to a client-API path is checked against the Matrix OpenAPI definition, and any 500
 * fails the test that received it.
 */
export class TestServer {
  private constructor(
    readonly http: RunningHttp,
    readonly config: HomeserverConfig,
    readonly baseUrl: string,
    private readonly database: TestDatabase,
    private readonly validator: OpenApiValidator,
    /** False when the database is shared with other servers (worker mode): they drop it. */
    private readonly ownsDatabase: boolean,
  ) {}

  static async start(
    engine: Engine,
    extraConfig: Record<string, unknown> = {},
    shared?: { database: TestDatabase; replicationPort?: number },
  ): Promise<TestServer> {
    const database = shared?.database ?? (await createTestDatabase(engine));
    const dir = mkdtempSync(join(tmpdir(), 'chat-int-'));
    const unlimited = { per_second: 10_000, burst_count: 10_000 };
    const { config } = parseConfig([
      {
        path: join(dir, 'homeserver.yaml'),
        values: {
          server_name: 'localhost',
          public_baseurl: 'http://localhost/',
          listeners: [
            {
              port: 8008,
              bind_addresses: ['127.0.0.1'],
              type: 'http',
              resources: [{ names: ['client', 'federation', 'health', 'metrics'] }],
            },
          ],
          database: {
            name: database.config.name,
            args: {
              database: database.config.args.database,
              host: database.config.args.host,
              port: database.config.args.port,
              user: database.config.args.user,
              password: database.config.args.password,
              url: database.config.args.url,
            },
          },
          signing_key_path: join(dir, 'signing.key'),
          registration_shared_secret: 'test-shared-secret',
          enable_registration: true,
          enable_registration_without_verification: true,
          password_hashing_cost: 1,
          log: { level: process.env['CHAT_TEST_LOG_LEVEL'] ?? 'silent' },
          rc_registration: unlimited,
          rc_registration_token_validity: unlimited,
          rc_login: { address: unlimited, account: unlimited, failed_attempts: unlimited },
          rc_message: unlimited,
          rc_joins: { local: unlimited, remote: unlimited },
          rc_invites: { per_room: unlimited, per_user: unlimited, per_issuer: unlimited },
          ...extraConfig,
        },
      },
    ]);
    // Port 0 is not a valid config value, so the listener is handed over directly.
    const listeners = config.listeners.map((listener) => ({ ...listener, port: 0 }));
    // Other processes find this one's replication listener through instance_map: a fixed port.
    if (shared?.replicationPort !== undefined) {
      listeners.push({
        ...listeners[0],
        port: shared.replicationPort,
        resources: [{ names: ['replication'] }],
      });
    }
    const http = await bootstrapHttp(AppModule.register(config), config, { listeners });
    const { port } = http.addresses[0];
    return new TestServer(
      http,
      config,
      `http://127.0.0.1:${port}`,
      database,
      await OpenApiValidator.load(),
      shared === undefined,
    );
  }

  async stop(): Promise<void> {
    await this.http.close();
    if (this.ownsDatabase) await this.database.drop();
  }

  /**
   * Sends a request; `body` may be an object (sent as JSON) or a raw string. Asserts the response
   * matches the spec for client-API and client well-known paths and is never a 5xx.
   */
  request(method: string, path: string, options: ApiRequestOptions = {}): Promise<ApiResponse> {
    return specCheckedRequest(this.validator, this.baseUrl, method, path, options);
  }

  /** Registers a user through the dummy UIA flow and returns its session. */
  async register(
    username: string,
    password = 'correct horse',
  ): Promise<{ userId: string; token: string; deviceId: string }> {
    const challenge = await this.request('POST', '/chat/client/v3/register', {
      body: { username, password },
    });
    const done = await this.request('POST', '/chat/client/v3/register', {
      body: {
        username,
        password,
        auth: { type: 'm.login.dummy', session: challenge.body['session'] },
      },
    });
    if (done.status !== 200)
      throw new Error(`registration of ${username} failed: ${JSON.stringify(done.body)}`);
    return {
      userId: done.body['user_id'] as string,
      token: done.body['access_token'] as string,
      deviceId: done.body['device_id'] as string,
    };
  }

  /** Logs in with a password and returns the new access token and device. */
  async login(
    username: string,
    password = 'correct horse',
  ): Promise<{ token: string; deviceId: string }> {
    const res = await this.request('POST', '/chat/client/v3/login', {
      body: {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: username },
        password,
      },
    });
    if (res.status !== 200)
      throw new Error(`login of ${username} failed: ${JSON.stringify(res.body)}`);
    return { token: res.body['access_token'] as string, deviceId: res.body['device_id'] as string };
  }
}
