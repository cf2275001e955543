import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ConfigError } from '@chat/config';

import { DeploymentError, readDeployment } from './deployment';
import {
  type DeploymentFiles,
  generic,
  listener,
  sharedConfig,
  writeDeployment,
} from './deployment.test-helper';

const PORTS = { client: 8008, replication: 9093 };

describe('readDeployment', () => {
  const written: DeploymentFiles[] = [];
  const deployment = (...args: Parameters<typeof writeDeployment>): DeploymentFiles => {
    const files = writeDeployment(...args);
    written.push(files);
    return files;
  };
  afterAll(() => {
    for (const { root } of written) rmSync(root, { recursive: true, force: true });
  });

  it('describes main from the shared config and one process per worker file, in file order', () => {
    const files = deployment(
      sharedConfig(PORTS, {
        start_pushers: false,
        instance_map: { persister1: { host: '127.0.0.1', port: 9094 } },
        stream_writers: { events: ['persister1'] },
      }),
      {
        'b-persister.yaml': generic('persister1', [listener(9094, ['replication'])]),
        'a-worker.yml': generic('worker1', [
          listener(8090, ['metrics']),
          listener(8083, ['client', 'federation'], '0.0.0.0'),
        ]),
        'c-pusher.yaml': { worker_app: 'chat.app.pusher', worker_name: 'pusher1' },
        'notes.txt': { ignored: true },
      },
    );

    const { processes, warnings } = readDeployment([files.shared], files.workersDir);

    expect(processes).toEqual([
      {
        name: 'main',
        app: 'main',
        configPaths: [files.shared],
        healthUrl: 'http://127.0.0.1:8008/health',
      },
      {
        name: 'worker1',
        app: 'generic-worker',
        configPaths: [files.shared, join(files.workersDir, 'a-worker.yml')],
        // The client listener, reached on loopback because it binds every address.
        healthUrl: 'http://127.0.0.1:8083/health',
      },
      {
        name: 'persister1',
        app: 'generic-worker',
        configPaths: [files.shared, join(files.workersDir, 'b-persister.yaml')],
        healthUrl: 'http://127.0.0.1:9094/health',
      },
      {
        name: 'pusher1',
        app: 'pusher',
        configPaths: [files.shared, join(files.workersDir, 'c-pusher.yaml')],
      },
    ]);
    expect(warnings).toEqual([]);
  });

  it('runs a historical worker_app as the generic worker and passes on the deprecation', () => {
    const files = deployment(sharedConfig(PORTS), {
      'sync.yaml': { ...generic('sync1'), worker_app: 'chat.app.synchrotron' },
    });

    const { processes, warnings } = readDeployment([files.shared], files.workersDir);

    expect(processes[1]).toMatchObject({ name: 'sync1', app: 'generic-worker' });
    expect(warnings).toEqual([
      expect.stringContaining(
        'chat.app.synchrotron is deprecated; starting it as chat.app.generic_worker',
      ),
    ]);
  });

  it('reaches an IPv6 wildcard listener on ::1', () => {
    const files = deployment(sharedConfig(PORTS), {
      'w.yaml': generic('worker1', [listener(8083, ['client'], '::')]),
    });

    const { processes } = readDeployment([files.shared], files.workersDir);

    expect(processes[1].healthUrl).toBe('http://[::1]:8083/health');
  });

  it('notes an instance the shared config names that has no worker file', () => {
    const files = deployment(
      sharedConfig(PORTS, {
        instance_map: { persister2: { host: '127.0.0.1', port: 9095 } },
        stream_writers: { events: ['persister2'] },
      }),
      {},
    );

    const { warnings } = readDeployment([files.shared], files.workersDir);

    expect(warnings).toEqual([
      'instance_map names persister2, but no worker file has worker_name persister2',
    ]);
  });

  it('is main alone without a workers directory', () => {
    const files = deployment(sharedConfig(PORTS), {});

    expect(readDeployment([files.shared]).processes.map((p) => p.name)).toEqual(['main']);
  });

  describe('refuses, one line per problem,', () => {
    const refusal = (workers: Record<string, Record<string, unknown>>): string[] => {
      const files = deployment(sharedConfig(PORTS), workers);
      try {
        readDeployment([files.shared], files.workersDir);
      } catch (error) {
        if (error instanceof DeploymentError) {
          return error.problems.map((problem) => problem.replaceAll(`${files.workersDir}/`, ''));
        }
        throw error;
      }
      throw new Error('accepted');
    };

    it('two workers with the same name', () => {
      expect(refusal({ 'a.yaml': generic('worker1'), 'b.yaml': generic('worker1') })).toEqual([
        'worker_name worker1 is used by both a.yaml and b.yaml',
      ]);
    });

    it('a worker without worker_name', () => {
      expect(refusal({ 'a.yaml': { worker_app: 'chat.app.generic_worker' } })).toEqual([
        'a.yaml: no worker_name; every worker needs a name of its own',
      ]);
    });

    it('a worker named main', () => {
      expect(refusal({ 'a.yaml': generic('main') })).toEqual([
        "a.yaml: worker_name main is the main process's name; choose another",
      ]);
    });

    it('a file in the workers directory that is not a worker config', () => {
      expect(refusal({ 'a.yaml': { server_name: 'example.com' } })).toEqual([
        'a.yaml: not a worker config (no worker_app)',
      ]);
    });

    it('every such problem at once', () => {
      expect(
        refusal({ 'a.yaml': generic('main'), 'b.yaml': { worker_app: 'chat.app.pusher' } }),
      ).toHaveLength(2);
    });
  });

  it('refuses a worker file given as the shared config', () => {
    const files = deployment(sharedConfig(PORTS), {});
    const worker = join(files.root, 'worker1.yaml');
    writeFileSync(worker, 'worker_app: chat.app.generic_worker\nworker_name: worker1\n');

    expect(() => readDeployment([files.shared, worker])).toThrow(
      /sets worker_app chat\.app\.generic_worker; -c takes the shared config/,
    );
  });

  it('passes on what the processes would refuse in a config', () => {
    const files = deployment(sharedConfig(PORTS), {
      'a.yaml': { ...generic('worker1'), worker_listeners: [{ port: 'eighty' }] },
    });

    expect(() => readDeployment([files.shared], files.workersDir)).toThrow(ConfigError);
  });

  it('says when the workers directory cannot be read', () => {
    const files = deployment(sharedConfig(PORTS), {});

    expect(() => readDeployment([files.shared], join(files.root, 'nowhere'))).toThrow(
      /--workers .*nowhere: ENOENT/,
    );
  });
});
