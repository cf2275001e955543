import type { ProxyProcess, ProxyTopology } from './proxy-topology';
import { ProxyTopologyError } from './proxy-topology';
import { type RoutingPlan, planPool, planRoutes, routeIn } from './routing-plan';
import {
  MONOLITH,
  SAMPLE_PROCESSES,
  SAMPLE_TOPOLOGY,
  SEED_ERA_TOPOLOGY,
  listener,
} from './sample-topology.test-helper';

function servers(plan: RoutingPlan): Record<string, string[]> {
  return Object.fromEntries(
    plan.pools.map((pool) => [pool.name, pool.servers.map((s) => `${s.process} ${s.address}`)]),
  );
}

function problemsOf(topology: ProxyTopology): readonly string[] {
  try {
    planRoutes(topology);
  } catch (error) {
    if (error instanceof ProxyTopologyError) return error.problems;
    throw error;
  }
  throw new Error('expected a ProxyTopologyError');
}

const process = (name: string): ProxyProcess => {
  const found = SAMPLE_PROCESSES.find((p) => p.name === name);
  if (!found) throw new Error(name);
  return found;
};

describe('planRoutes', () => {
  it('puts each pool on the listeners that serve its resource, never on replication ones', () => {
    const plan = planRoutes(SAMPLE_TOPOLOGY);
    const generic = ['worker1 10.0.0.11:8083', 'worker2 10.0.0.12:8083'];
    expect(servers(plan)).toEqual({
      chat_generic_worker: generic,
      chat_generic_worker_by_room: generic,
      chat_generic_worker_by_user: generic,
      chat_generic_worker_federation: generic,
      chat_generic_worker_federation_by_origin: generic,
      chat_generic_worker_keys: generic,
      chat_main: ['main 10.0.0.1:8008'],
      chat_main_federation: ['main 10.0.0.1:8008'],
      chat_main_keys: ['main 10.0.0.1:8008'],
      chat_media_repository_media: ['media1 10.0.0.41:8086'],
      chat_user_dir: ['userdir1 10.0.0.51:8087'],
      chat_writer_typing: ['typing1 10.0.0.31:8085'],
    });
    const hashes = Object.fromEntries(plan.pools.map((pool) => [pool.name, pool.hashBy]));
    expect(hashes).toMatchObject({
      chat_generic_worker_by_user: 'user',
      chat_generic_worker_by_room: 'room',
      chat_generic_worker_federation_by_origin: 'origin',
      chat_generic_worker: undefined,
    });
    const addresses = plan.pools.flatMap((pool) => pool.servers.map((s) => s.address));
    expect(addresses.filter((address) => address.endsWith(':9093'))).toEqual([]);
    // Event persisters take no client traffic, even one with a client listener.
    expect(addresses).not.toContain('10.0.0.22:9190');
  });

  it('agrees with routeFor on where each request goes', () => {
    const plan = planRoutes(SAMPLE_TOPOLOGY);
    const cases: Array<[string, string, string | undefined]> = [
      ['GET', '/_matrix/client/v3/sync?since=s1', 'chat_generic_worker_by_user'],
      ['GET', '/_matrix/client/v3/sync', 'chat_generic_worker_by_user'],
      ['PUT', '/_matrix/client/v3/rooms/!r:x/typing/@a:x', 'chat_writer_typing'],
      [
        'PUT',
        '/_matrix/client/v3/rooms/!r:x/send/m.room.message/t1',
        'chat_generic_worker_by_room',
      ],
      ['GET', '/chat/client/r0/rooms/!r:x/messages', 'chat_generic_worker_by_room'],
      ['PUT', '/_matrix/federation/v1/send/t1', 'chat_generic_worker_federation_by_origin'],
      ['GET', '/_matrix/key/v2/query/example.org', 'chat_generic_worker_keys'],
      ['POST', '/_matrix/media/v3/upload', 'chat_media_repository_media'],
      ['POST', '/_matrix/client/v3/user_directory/search', 'chat_user_dir'],
      // Writers on main: reads on generic workers, writes to main.
      ['GET', '/_matrix/client/v3/pushrules/', 'chat_generic_worker'],
      ['PUT', '/_matrix/client/v3/pushrules/global/override/r', 'chat_main'],
      ['PUT', '/_matrix/client/v3/sendToDevice/m.x/t1', 'chat_main'],
      ['GET', '/_matrix/federation/v1/groups/g', 'chat_generic_worker_federation'],
      ['POST', '/_matrix/federation/v1/groups/g', 'chat_main_federation'],
      // No SSO process set aside: main keeps the SSO sessions.
      ['GET', '/_matrix/client/v3/login/sso/redirect', 'chat_main'],
      ['GET', '/_chat/replication/ping', undefined],
      ['GET', '/metrics', undefined],
    ];
    for (const [method, url, pool] of cases) {
      expect({ method, url, pool: planPool(plan, method, url) }).toEqual({ method, url, pool });
      const owner = routeIn(SAMPLE_TOPOLOGY, method, url)?.owner;
      expect(owner === undefined).toBe(pool === undefined);
    }
  });

  it('sends initial syncs to their own pool when workers are set aside for them', () => {
    const initial: ProxyProcess = {
      name: 'initial1',
      app: 'generic_worker',
      listeners: [listener('10.0.0.81', 8083, 'client')],
      pools: ['initial_sync'],
    };
    const topology = { ...SAMPLE_TOPOLOGY, processes: [...SAMPLE_PROCESSES, initial] };
    const plan = planRoutes(topology);
    expect(servers(plan)['chat_generic_worker_initial_sync']).toEqual(['initial1 10.0.0.81:8083']);
    expect(plan.pools.find((p) => p.name === 'chat_generic_worker_initial_sync')?.hashBy).toBe(
      'user',
    );
    expect(servers(plan)['chat_generic_worker']).not.toContain('initial1 10.0.0.81:8083');
    expect(planPool(plan, 'GET', '/_matrix/client/v3/sync')).toBe(
      'chat_generic_worker_initial_sync',
    );
    expect(planPool(plan, 'GET', '/_matrix/client/v3/sync?since=')).toBe(
      'chat_generic_worker_initial_sync',
    );
    expect(planPool(plan, 'GET', '/_matrix/client/v3/sync?since=s9')).toBe(
      'chat_generic_worker_by_user',
    );
    expect(planPool(plan, 'GET', '/_matrix/client/v3/initialSync')).toBe(
      'chat_generic_worker_initial_sync',
    );
    expect(planPool(plan, 'GET', '/chat/client/api/v1/rooms/!r:x/initialSync')).toBe(
      'chat_generic_worker_initial_sync',
    );
  });

  it('keeps initial syncs on the sync pool when the set-aside workers cannot take client traffic', () => {
    const initial: ProxyProcess = {
      name: 'initial1',
      app: 'generic_worker',
      listeners: [listener('10.0.0.81', 8083, 'federation')],
      pools: ['initial_sync'],
    };
    const plan = planRoutes({ ...SAMPLE_TOPOLOGY, processes: [...SAMPLE_PROCESSES, initial] });
    expect(planPool(plan, 'GET', '/_matrix/client/v3/sync')).toBe('chat_generic_worker_by_user');
    expect(planPool(plan, 'GET', '/_matrix/client/v3/initialSync')).toBe(
      'chat_generic_worker_by_user',
    );
    expect(servers(plan)['chat_generic_worker_federation']).not.toContain(
      'initial1 10.0.0.81:8083',
    );
  });

  it('routes device endpoints to dedicated device_lists writers, else to generic workers', () => {
    const devices = '/_matrix/client/v3/devices/ABC';
    expect(routeIn(SAMPLE_TOPOLOGY, 'DELETE', devices)?.owner).toBe('generic_worker');
    const writer: ProxyProcess = {
      name: 'devices1',
      app: 'generic_worker',
      listeners: [listener('10.0.0.91', 8083, 'client')],
    };
    const topology: ProxyTopology = {
      ...SAMPLE_TOPOLOGY,
      processes: [...SAMPLE_PROCESSES, writer],
      streamWriters: { ...SAMPLE_TOPOLOGY.streamWriters, device_lists: ['main', 'devices1'] },
    };
    const plan = planRoutes(topology);
    expect(servers(plan)['chat_writer_device_lists']).toEqual([
      'main 10.0.0.1:8008',
      'devices1 10.0.0.91:8083',
    ]);
    expect(planPool(plan, 'DELETE', devices)).toBe('chat_writer_device_lists');
    expect(planPool(plan, 'POST', '/_matrix/client/v3/keys/upload')).toBe(
      'chat_writer_device_lists',
    );
    expect(servers(plan)['chat_generic_worker']).not.toContain('devices1 10.0.0.91:8083');
  });

  it('lets the seed-era apps stand in only where the seed says', () => {
    const plan = planRoutes(SEED_ERA_TOPOLOGY);
    expect(planPool(plan, 'POST', '/_matrix/client/v3/keys/upload')).toBe('chat_frontend_proxy');
    expect(planPool(plan, 'PUT', '/_matrix/client/v3/presence/@a:x/status')).toBe(
      'chat_frontend_proxy',
    );
    expect(planPool(plan, 'GET', '/_chat/client/pick_idp')).toBe('chat_sso');
    expect(servers(plan)['chat_sso']).toEqual(['sso1 10.0.0.71:8089']);
    expect(servers(plan)['chat_generic_worker']).not.toContain('sso1 10.0.0.71:8089');

    const presenceOn = planRoutes({ ...SEED_ERA_TOPOLOGY, usePresence: true });
    expect(planPool(presenceOn, 'PUT', '/_matrix/client/v3/presence/@a:x/status')).toBe(
      'chat_main',
    );
    expect(planPool(presenceOn, 'GET', '/_matrix/client/v3/presence/@a:x/status')).toBe(
      'chat_generic_worker',
    );
  });

  it('sends everything to main in a monolith', () => {
    const plan = planRoutes(MONOLITH);
    expect(plan.pools.map((pool) => pool.name)).toEqual([
      'chat_main',
      'chat_main_federation',
      'chat_main_keys',
      'chat_main_media',
    ]);
    expect(planPool(plan, 'GET', '/_matrix/client/v3/sync')).toBe('chat_main');
    expect(planPool(plan, 'GET', '/_matrix/media/v3/download/a/b')).toBe('chat_main_media');
  });

  it('brackets IPv6 hosts', () => {
    const main: ProxyProcess = {
      name: 'main',
      app: 'main',
      listeners: [listener('::1', 8008, 'client')],
    };
    const plan = planRoutes({ ...MONOLITH, processes: [main] });
    expect(servers(plan)['chat_main']).toEqual(['main [::1]:8008']);
  });

  it('lists every problem with a topology it cannot route', () => {
    const sso = (name: string): ProxyProcess => ({
      name,
      app: 'generic_worker',
      listeners: [listener('10.0.0.9', 8083, 'client')],
      pools: ['sso'],
    });
    const replicationOnlyMain: ProxyProcess = {
      name: 'main',
      app: 'main',
      listeners: [listener('10.0.0.1', 8008, 'client', 'replication')],
    };
    const media: ProxyProcess = { ...process('media1'), pools: ['initial_sync'] };
    expect(
      problemsOf({
        processes: [
          replicationOnlyMain,
          process('worker1'),
          process('worker1'),
          sso('a'),
          sso('b'),
          media,
        ],
        streamWriters: { typing: ['typing1'], to_device: ['worker1'], events: ['gone'] },
        usePresence: true,
      }),
    ).toEqual([
      'process "worker1" is given twice',
      'media1: a media_repository cannot serve the initial_sync pool',
      'main: a listener serving client (and not replication) for everything else',
      'one process for SSO (its sessions live in memory), not a, b',
      'stream_writers.typing names "typing1", which is not among the processes',
    ]);
    expect(problemsOf({ ...MONOLITH, processes: [] })).toEqual([
      'a process named "main" with app "main" (the shared config\'s listeners)',
    ]);
    const typingWithoutClient: ProxyProcess = {
      name: 'typing1',
      app: 'generic_worker',
      listeners: [listener('10.0.0.31', 9093, 'replication')],
    };
    expect(
      problemsOf({
        ...MONOLITH,
        processes: [process('main'), typingWithoutClient],
        streamWriters: { typing: ['typing1'] },
      }),
    ).toEqual(['typing1 writes typing but has no listener serving client (without replication)']);
  });
});
