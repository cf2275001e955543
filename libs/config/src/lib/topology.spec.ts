import { parseConfig } from './config.loader';
import { topologyHash } from './topology';

const load = (values: Record<string, unknown>) =>
  parseConfig([
    {
      path: '/tmp/topology-test/homeserver.yaml',
      values: {
        server_name: 'test.local',
        database: { name: 'psycopg2', args: { url: 'postgres://localhost/x' } },
        redis: { enabled: true },
        instance_map: {
          main: { host: '127.0.0.1', port: 9093 },
          p1: { host: '127.0.0.1', port: 9094 },
          p2: { host: '127.0.0.1', port: 9095 },
        },
        worker_replication_secret: 's',
        ...values,
      },
    },
  ]).config;

describe('topologyHash', () => {
  it('is the same for the same owners, whatever else differs', () => {
    const a = load({ stream_writers: { events: ['p1', 'p2'] }, enable_registration: false });
    const b = load({ stream_writers: { events: ['p1', 'p2'] }, max_upload_size: '10M' });
    expect(topologyHash(a)).toBe(topologyHash(b));
    expect(topologyHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when a writer is added, or the order of the writers changes (sharding follows it)', () => {
    const base = topologyHash(load({ stream_writers: { events: ['p1', 'p2'] } }));
    expect(topologyHash(load({ stream_writers: { events: ['p2', 'p1'] } }))).not.toBe(base);
    expect(topologyHash(load({ stream_writers: { events: ['p1'] } }))).not.toBe(base);
    expect(
      topologyHash(
        load({ stream_writers: { events: ['p1', 'p2'] }, run_background_tasks_on: 'p1' }),
      ),
    ).not.toBe(base);
  });
});
