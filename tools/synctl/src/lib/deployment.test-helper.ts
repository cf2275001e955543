import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { stringify } from 'yaml';

export interface DeploymentFiles {
  readonly root: string;
  readonly shared: string;
  readonly workersDir: string;
}

/** A fresh temporary directory with `homeserver.yaml` and `workers/<file>` written from values. */
export function writeDeployment(
  shared: Record<string, unknown>,
  workers: Record<string, Record<string, unknown>>,
): DeploymentFiles {
  const root = mkdtempSync(join(tmpdir(), 'synctl-'));
  const files = {
    root,
    shared: join(root, 'homeserver.yaml'),
    workersDir: join(root, 'workers'),
  };
  writeFileSync(files.shared, stringify(shared));
  mkdirSync(files.workersDir);
  for (const [file, values] of Object.entries(workers)) {
    writeFileSync(join(files.workersDir, file), stringify(values));
  }
  return files;
}

/** A worker deployment's shared config: PostgreSQL and Redis (never contacted by synctl). */
export function sharedConfig(
  ports: { client: number; replication: number },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    server_name: 'example.com',
    database: { name: 'psycopg2', args: { host: 'localhost', database: 'chat' } },
    redis: { enabled: true },
    worker_replication_secret: 'not-a-real-secret',
    listeners: [
      listener(ports.client, ['client', 'federation']),
      listener(ports.replication, ['replication']),
    ],
    ...extra,
    instance_map: {
      main: { host: '127.0.0.1', port: ports.replication },
      ...(extra['instance_map'] as Record<string, unknown> | undefined),
    },
  };
}

export function listener(
  port: number,
  names: string[],
  bindAddress = '127.0.0.1',
): Record<string, unknown> {
  return { type: 'http', port, bind_address: bindAddress, resources: [{ names }] };
}

export function generic(name: string, listeners: Array<Record<string, unknown>> = []) {
  return {
    worker_app: 'chat.app.generic_worker',
    worker_name: name,
    ...(listeners.length > 0 ? { worker_listeners: listeners } : {}),
  };
}
