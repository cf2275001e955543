import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { loadConfig } from '@chat/config';

import { topologyFromConfigs } from './topology-from-config';

const FIXTURES = join(__dirname, '../../fixtures');
const SHARED = join(FIXTURES, 'homeserver.yaml');

function fixtureConfigs() {
  const main = loadConfig([SHARED]).config;
  const workers = readdirSync(join(FIXTURES, 'workers'))
    .sort()
    .map((file) => loadConfig([SHARED, join(FIXTURES, 'workers', file)]).config);
  return { main, workers };
}

describe('topologyFromConfigs', () => {
  it('takes main from the shared listeners and each worker from its worker_listeners', () => {
    const { main, workers } = fixtureConfigs();
    const { topology, notes } = topologyFromConfigs(main, workers, {
      hosts: new Map([['worker2', 'w2.internal']]),
      pools: new Map([['worker2', ['initial_sync']]]),
    });
    expect(notes).toEqual([]);
    expect(topology.usePresence).toBe(true);
    expect(topology.streamWriters).toMatchObject({
      events: ['persister1', 'persister2'],
      typing: ['typing1'],
      to_device: ['main'],
    });
    expect(topology.processes).toEqual([
      {
        name: 'main',
        app: 'main',
        listeners: [
          { host: '127.0.0.1', port: 8008, resources: ['client', 'federation', 'keys'] },
          { host: '127.0.0.1', port: 9093, resources: ['replication'] },
        ],
      },
      {
        name: 'media1',
        app: 'media_repository',
        listeners: [{ host: '10.0.0.41', port: 8086, resources: ['media'] }],
      },
      {
        name: 'persister1',
        app: 'generic_worker',
        listeners: [{ host: '10.0.0.21', port: 9093, resources: ['replication'] }],
      },
      {
        name: 'persister2',
        app: 'generic_worker',
        listeners: [{ host: '10.0.0.22', port: 9093, resources: ['replication'] }],
      },
      {
        name: 'typing1',
        app: 'generic_worker',
        // Bound to every address: reached where instance_map locates the process.
        listeners: [
          { host: '10.0.0.31', port: 8085, resources: ['client'] },
          { host: '10.0.0.31', port: 9093, resources: ['replication'] },
        ],
      },
      {
        name: 'userdir1',
        app: 'user_dir',
        listeners: [{ host: '10.0.0.51', port: 8087, resources: ['client'] }],
      },
      {
        name: 'worker1',
        app: 'generic_worker',
        listeners: [{ host: '10.0.0.11', port: 8083, resources: ['client', 'federation'] }],
      },
      {
        name: 'worker2',
        app: 'generic_worker',
        listeners: [{ host: 'w2.internal', port: 8084, resources: ['client', 'federation'] }],
        pools: ['initial_sync'],
      },
    ]);
  });

  it('assumes the proxy host for a process bound to every address that nothing else places', () => {
    const { main, workers } = fixtureConfigs();
    const { topology, notes } = topologyFromConfigs(main, workers, {
      hosts: new Map(),
      pools: new Map(),
    });
    const worker2 = topology.processes.find((p) => p.name === 'worker2');
    expect(worker2?.listeners[0].host).toBe('127.0.0.1');
    expect(notes).toEqual([
      'worker2 listens on every address (port 8084); assuming 127.0.0.1 (pass --host worker2=<address> otherwise)',
    ]);
  });
});
