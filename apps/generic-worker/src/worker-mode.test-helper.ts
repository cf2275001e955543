import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type DynamicModule, Module } from '@nestjs/common';
import { stringify as toYaml } from 'yaml';

import { AdminApiModule } from '@chat/admin-api';
import { ClientApiModule } from '@chat/client-api';
import {
  type AppName,
  type HomeserverConfig,
  type ListenerConfig,
  type LoadedConfig,
} from '@chat/config';
import { CoordinationModule } from '@chat/coordination';
import { PlatformModule, bootstrapHttp, loadAppConfig, type RunningHttp } from '@chat/platform';
import { StorageModule } from '@chat/storage';
import {
  OpenApiValidator,
  createTestDatabase,
  findFreePort,
  specCheckedRequest,
  type ApiRequestOptions,
  type ApiResponse,
  type TestDatabase,
} from '@chat/testing';

import { AppModule } from './app.module';
import { genericWorkerRoutes } from './generic-worker-routes';

export const V3 = '/chat/client/v3';

export type { ApiResponse };

export interface TestUser {
  userId: string;
  token: string;
  deviceId: string;
}

/**
 * Main's composition (apps/main/src/app.module.ts), repeated here because apps never import one
 * another: the main process the worker runs beside.
 */
@Module({})
class MainProcessModule {
  static register(config: HomeserverConfig): DynamicModule {
    return {
      module: MainProcessModule,
      imports: [
        PlatformModule.forRoot(config),
        StorageModule.forHomeserver(config),
        ClientApiModule,
        AdminApiModule,
        CoordinationModule.forRoot(config),
      ],
    };
  }
}

let validator: Promise<OpenApiValidator> | undefined;

/**
 * One app (main or a generic worker) in this jest process, on the listeners its config names,
 * the public ones on port 0. Every response to a client-API path is checked against the Matrix
 * OpenAPI definition, and any 500 fails the test that received it.
 */
export class TestProcess {
  private constructor(
    readonly http: RunningHttp,
    readonly config: HomeserverConfig,
    private readonly validator: OpenApiValidator,
  ) {}

  static async start(app: Extract<AppName, 'main' | 'generic-worker'>, config: HomeserverConfig) {
    const configured = config.workerApp ? config.workerListeners : config.listeners;
    // Port 0 is not a valid config value, so public listeners are handed over with it; replication
    // listeners keep their port, which the other processes know from instance_map.
    const listeners: ListenerConfig[] = configured.map((listener) =>
      listener.resources.some((r) => r.names.includes('replication'))
        ? listener
        : { ...listener, port: 0 },
    );
    const isWorker = app === 'generic-worker';
    const http = await bootstrapHttp(
      isWorker ? AppModule.register(config) : MainProcessModule.register(config),
      config,
      { listeners, ...(isWorker ? { ownsRoute: genericWorkerRoutes(config) } : {}) },
    );
    validator ??= OpenApiValidator.load();
    return new TestProcess(http, config, await validator);
  }

  /** The base URL of the first listener serving `resource`. */
  url(resource: 'client' | 'metrics' | 'replication' = 'client'): string {
    const address = this.http.addresses.find((a) => a.resources.includes(resource));
    if (!address) throw new Error(`no listener serves ${resource}`);
    return `http://127.0.0.1:${address.port}`;
  }

  stop(): Promise<void> {
    return this.http.close();
  }

  /** Sends a request to the client listener; see the class comment for what it asserts. */
  async request(
    method: string,
    path: string,
    options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse> {
    return this.requestAt(this.url('client'), method, path, options);
  }

  requestAt(
    baseUrl: string,
    method: string,
    path: string,
    options: ApiRequestOptions = {},
  ): Promise<ApiResponse> {
    return specCheckedRequest(this.validator, baseUrl, method, path, options);
  }

  /** Registers a user through the dummy UIA flow. */
  async register(username: string, password = 'correct horse'): Promise<TestUser> {
    const challenge = await this.request('POST', `${V3}/register`, {
      body: { username, password },
    });
    const done = await this.request('POST', `${V3}/register`, {
      body: {
        username,
        password,
        auth: { type: 'm.login.dummy', session: challenge.body['session'] },
      },
    });
    if (done.status !== 200) {
      throw new Error(`registration of ${username} failed: ${JSON.stringify(done.body)}`);
    }
    return {
      userId: done.body['user_id'] as string,
      token: done.body['access_token'] as string,
      deviceId: done.body['device_id'] as string,
    };
  }
}

const unlimited = { per_second: 10_000, burst_count: 10_000 };
/** A listener's YAML values on 127.0.0.1. */
export const httpListener = (port: number, ...names: string[]) => ({
  port,
  type: 'http',
  bind_addresses: ['127.0.0.1'],
  resources: [{ names }],
});

/**
 * One worker-mode deployment for a test file: a fresh PostgreSQL database, Redis channels of its
 * own, a directory of YAML configs, and main's replication port. Processes start from config
 * files through `loadAppConfig`, the check `launchApp` makes, so a test sees what an operator
 * would: the same config errors and warnings.
 */
export class WorkerDeployment {
  private constructor(
    readonly database: TestDatabase,
    readonly dir: string,
    readonly mainReplicationPort: number,
    /** Each run on its own channels: runs sharing a Redis never hear each other. */
    readonly channelPrefix: string,
  ) {}

  static async create(): Promise<WorkerDeployment> {
    const prefix = process.env['CHAT_TEST_REDIS_PREFIX'] ?? 'chat-test:';
    return new WorkerDeployment(
      await createTestDatabase('postgres'),
      mkdtempSync(join(tmpdir(), 'chat-generic-worker-')),
      await findFreePort(),
      `${prefix}${randomBytes(4).toString('hex')}:`,
    );
  }

  /** The shared homeserver.yaml: main's listeners, the database, Redis, and the worker keys. */
  sharedValues(instanceMap: Record<string, unknown> = {}): Record<string, unknown> {
    const redisUrl = new URL(process.env['CHAT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
    const { config } = this.database;
    return {
      server_name: 'localhost',
      public_baseurl: 'http://localhost/',
      listeners: [
        httpListener(8008, 'client', 'federation', 'health', 'metrics'),
        httpListener(this.mainReplicationPort, 'replication'),
      ],
      database: { name: config.name, args: { url: config.args.url } },
      signing_key_path: join(this.dir, 'signing.key'),
      registration_shared_secret: 'test-shared-secret',
      enable_registration: true,
      enable_registration_without_verification: true,
      password_hashing_cost: 1,
      log: { level: process.env['CHAT_TEST_LOG_LEVEL'] ?? 'silent' },
      rc_registration: unlimited,
      rc_login: { address: unlimited, account: unlimited, failed_attempts: unlimited },
      rc_message: unlimited,
      rc_joins: { local: unlimited, remote: unlimited },
      redis: {
        enabled: true,
        host: redisUrl.hostname,
        port: Number(redisUrl.port || 6379),
        channel_prefix: this.channelPrefix,
      },
      worker_replication_secret: 'replication-test-secret',
      instance_map: {
        main: { host: '127.0.0.1', port: this.mainReplicationPort },
        ...instanceMap,
      },
    };
  }

  /** Writes `values` as `<name>.yaml` in the deployment's directory and returns its path. */
  writeConfig(name: string, values: Record<string, unknown>): string {
    const path = join(this.dir, `${name}.yaml`);
    writeFileSync(path, toYaml(values));
    return path;
  }

  /** Loads `-c shared.yaml [-c worker.yaml]` as `app` would at startup. */
  load(app: AppName, shared: string, worker?: string): LoadedConfig {
    return loadAppConfig(app, worker ? [shared, worker] : [shared]);
  }

  async drop(): Promise<void> {
    await this.database.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
