import { haproxyConfig } from './haproxy-config';
import { planRoutes } from './routing-plan';
import { MONOLITH, SAMPLE_OPTIONS, SAMPLE_TOPOLOGY, listener } from './sample-topology.test-helper';

const config = haproxyConfig(SAMPLE_TOPOLOGY, SAMPLE_OPTIONS);

/** `backend <name>` → its indented lines. */
function backends(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [, name, body] of text.matchAll(/^backend (\S+)\n((?: {4}.*\n)*)/gm)) {
    found.set(
      name,
      body
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== ''),
    );
  }
  return found;
}

describe('haproxyConfig', () => {
  it('declares one backend per pool, hashed consistently where the pool is sticky', () => {
    const found = backends(config);
    const generic = ['server worker1 10.0.0.11:8083', 'server worker2 10.0.0.12:8083'];
    const hashed = (variable: string) => [
      `balance hash var(${variable})`,
      'hash-type consistent',
      ...generic,
    ];
    expect(found.get('chat_generic_worker')).toEqual(['balance roundrobin', ...generic]);
    expect(found.get('chat_generic_worker_by_user')).toEqual(hashed('txn.chat_user'));
    expect(found.get('chat_generic_worker_by_room')).toEqual(hashed('txn.chat_room'));
    expect(found.get('chat_generic_worker_federation_by_origin')).toEqual(
      hashed('txn.chat_origin'),
    );
    expect(found.get('chat_writer_typing')).toEqual([
      'balance roundrobin',
      'server typing1 10.0.0.31:8085',
    ]);
    expect(found.get('chat_media_repository_media')).toEqual([
      'balance roundrobin',
      'server media1 10.0.0.41:8086',
    ]);
    expect(found.get('chat_user_dir')).toEqual([
      'balance roundrobin',
      'server userdir1 10.0.0.51:8087',
    ]);
    expect([...found.keys()]).toEqual(planRoutes(SAMPLE_TOPOLOGY).pools.map((pool) => pool.name));
  });

  it('never points at a replication listener and refuses replication paths first', () => {
    expect(config).not.toMatch(/:9093\b/);
    expect(config).not.toContain('persister');
    const frontend = config.slice(config.indexOf('frontend chat'));
    const deny = frontend.indexOf(
      "http-request deny deny_status 404 if { path,url_dec -m reg '^/[/.]*_chat/[/.]*replication' }",
    );
    expect(deny).toBeGreaterThan(0);
    expect(deny).toBeLessThan(frontend.indexOf('use_backend'));
    expect(frontend).toContain('http-request deny deny_status 404 unless chat_public_api');
  });

  it('sets the hash keys before routing', () => {
    expect(config).toContain('http-request set-var(txn.chat_user) src\n');
    expect(config).toMatch(
      /set-var\(txn\.chat_user\) 'req\.fhdr\(authorization\),regsub\("\^Bearer cht_/,
    );
    expect(config).toMatch(/set-var\(txn\.chat_user\) 'url_param\(access_token\),regsub\("\^cht_/);
    expect(config).toMatch(
      /set-var\(txn\.chat_origin\) 'req\.fhdr\(authorization\),regsub\(".*origin=/,
    );
    expect(config).toMatch(
      /set-var\(txn\.chat_room\) 'path,regsub\("\^\.\*\?\/rooms\/.*\),url_dec'$/m,
    );
  });

  it('routes each location to declared backends in table order, methods first', () => {
    const declared = new Set(backends(config).keys());
    const acls = [...config.matchAll(/^ {4}acl (chat_route_\d+) path_reg '(.*)'$/gm)];
    expect(acls.map(([, , pattern]) => pattern)).toEqual(
      planRoutes(SAMPLE_TOPOLOGY).locations.map((location) => location.pattern),
    );
    for (const [, backend] of config.matchAll(/^ {4}use_backend (\S+) if /gm)) {
      expect(declared.has(backend)).toBe(true);
    }
    const acl = acls.find(([, , pattern]) => pattern.includes('pushrules'))?.[1];
    expect(config).toContain(
      `    use_backend chat_generic_worker if ${acl} { method GET HEAD }\n    use_backend chat_main if ${acl}\n`,
    );
  });

  it('forwards the client address and scheme and caps bodies at the option', () => {
    expect(config).toContain('    option forwardfor\n');
    expect(config).toContain('    http-request set-header X-Forwarded-Proto https if { ssl_fc }\n');
    expect(config).toContain(`{ req.hdr_val(content-length) gt ${50 * 1024 * 1024} }`);
    expect(config).toContain('    timeout server 600s\n');
    expect(config).toContain('    bind :8448\n    bind 127.0.0.1:8080\n');
  });

  it('sends initial syncs without since to their own backend', () => {
    const topology = {
      ...SAMPLE_TOPOLOGY,
      processes: [
        ...SAMPLE_TOPOLOGY.processes,
        {
          name: 'initial1',
          app: 'generic_worker' as const,
          listeners: [listener('10.0.0.81', 8083, 'client')],
          pools: ['initial_sync' as const],
        },
      ],
    };
    const text = haproxyConfig(topology, SAMPLE_OPTIONS);
    const acl = /^ {4}acl (chat_route_\d+) path_reg '[^']*\/sync\$'$/m.exec(text)?.[1];
    expect(text).toContain(
      `    use_backend chat_generic_worker_initial_sync if ${acl} !{ url_param(since) -m len gt 0 }\n    use_backend chat_generic_worker_by_user if ${acl}\n`,
    );
  });

  it('leaves out the hash keys nothing uses', () => {
    const text = haproxyConfig(MONOLITH, SAMPLE_OPTIONS);
    expect(text).not.toContain('set-var');
    expect(text).not.toContain('balance hash');
  });
});
