import { TOKEN_LOCALPART } from './hash-keys';
import { nginxConfig } from './nginx-config';
import { planRoutes } from './routing-plan';
import { ProxyTopologyError } from './proxy-topology';
import { MONOLITH, SAMPLE_OPTIONS, SAMPLE_TOPOLOGY, listener } from './sample-topology.test-helper';

const config = nginxConfig(SAMPLE_TOPOLOGY, SAMPLE_OPTIONS);

function upstreams(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [, name, body] of text.matchAll(/^upstream (\S+) \{\n([^}]*)\}/gm)) {
    found.set(
      name,
      body
        .split('\n')
        .map((line) => line.trim().replace(/\s+#.*$/, ''))
        .filter((line) => line !== ''),
    );
  }
  return found;
}

/** `map <source> <variable> { … }` → variable → the values it can take. */
function maps(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [, variable, body] of text.matchAll(/^map \S+ (\$\S+) \{\n([^}]*)\}/gm)) {
    found.set(
      variable,
      body.split('\n').flatMap((line) => {
        const value = /\s(\S+);$/.exec(line.trim());
        return value ? [value[1]] : [];
      }),
    );
  }
  return found;
}

describe('nginxConfig', () => {
  it('declares one upstream per pool, hashed where the pool is sticky', () => {
    const found = upstreams(config);
    const generic = ['server 10.0.0.11:8083;', 'server 10.0.0.12:8083;', 'keepalive 16;'];
    expect(found.get('chat_generic_worker')).toEqual(generic);
    expect(found.get('chat_generic_worker_by_user')).toEqual([
      'hash $chat_user consistent;',
      ...generic,
    ]);
    expect(found.get('chat_generic_worker_by_room')).toEqual([
      'hash $chat_room consistent;',
      ...generic,
    ]);
    expect(found.get('chat_generic_worker_federation_by_origin')).toEqual([
      'hash $chat_origin consistent;',
      ...generic,
    ]);
    expect(found.get('chat_writer_typing')).toEqual(['server 10.0.0.31:8085;', 'keepalive 16;']);
    expect(found.get('chat_media_repository_media')).toEqual([
      'server 10.0.0.41:8086;',
      'keepalive 16;',
    ]);
    expect(found.get('chat_user_dir')).toEqual(['server 10.0.0.51:8087;', 'keepalive 16;']);
    expect(found.get('chat_main')).toEqual(['server 10.0.0.1:8008;', 'keepalive 16;']);
    expect([...found.keys()]).toEqual(planRoutes(SAMPLE_TOPOLOGY).pools.map((pool) => pool.name));
  });

  it('never points at a replication listener or an event persister', () => {
    expect(config).not.toMatch(/:9093\b/);
    expect(config).not.toContain('10.0.0.21');
    expect(config).not.toContain('10.0.0.22');
    expect(config).toContain('    location ^~ /_chat/replication { return 404; }');
  });

  it('reads the user from cht_ tokens, the origin from X-Matrix and the room from the path', () => {
    expect(config).toContain(`"~^Bearer ${TOKEN_LOCALPART}" $chat_token_localpart;`);
    expect(config).toContain(`"~^${TOKEN_LOCALPART}" $chat_token_localpart;`);
    expect(config).toMatch(/^map \$http_authorization \$chat_origin \{$/m);
    expect(config).toContain('default $remote_addr;');
    expect(config).toMatch(/^map \$uri \$chat_room \{$/m);
  });

  it('passes every location to a declared upstream, unrewritten, in table order', () => {
    const declared = new Set(upstreams(config).keys());
    const variables = maps(config);
    const locations = [
      ...config.matchAll(/^ {4}location ~ "(.*)" \{ proxy_pass http:\/\/(\S+); \}$/gm),
    ];
    expect(locations.map(([, pattern]) => pattern)).toEqual(
      planRoutes(SAMPLE_TOPOLOGY).locations.map((location) => location.pattern),
    );
    for (const [, , target] of locations) {
      // No URI part after the upstream: nginx then forwards the request line as the client sent it.
      expect(target).not.toContain('/');
      const targets = target.startsWith('$') ? (variables.get(target) ?? []) : [target];
      expect(targets.length).toBeGreaterThan(0);
      for (const name of targets) expect(declared.has(name)).toBe(true);
    }
    expect(config.trimEnd().endsWith('    location / { return 404; }\n}')).toBe(true);
  });

  it('splits methods with a map where reads and writes part', () => {
    const variables = maps(config);
    const pushRules = /location ~ "[^"]*pushrules[^"]*" \{ proxy_pass http:\/\/(\$\S+); \}/.exec(
      config,
    );
    expect(variables.get(pushRules?.[1] ?? '')).toEqual([
      'chat_generic_worker',
      'chat_generic_worker',
      'chat_main',
    ]);
  });

  it('sets the server-wide proxy behaviour from the options', () => {
    for (const line of [
      '    listen 8448;',
      '    listen 127.0.0.1:8080;',
      '    server_name chat.example.com;',
      `    client_max_body_size ${50 * 1024 * 1024};`,
      '    proxy_read_timeout 600s;',
      '    proxy_set_header Host $host;',
      '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      '    proxy_set_header X-Forwarded-Proto $scheme;',
    ]) {
      expect(config).toContain(`\n${line}\n`);
    }
  });

  it('splits initial syncs off by the since parameter when a pool is set aside for them', () => {
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
    const text = nginxConfig(topology, SAMPLE_OPTIONS);
    const sync = /location ~ "[^"]*\/sync\$" \{ proxy_pass http:\/\/(\$\S+); \}/.exec(text);
    expect(text).toContain(
      `map $arg_since ${sync?.[1]} {\n    "" chat_generic_worker_initial_sync;\n    default chat_generic_worker_by_user;\n}`,
    );
    expect(upstreams(text).get('chat_generic_worker_initial_sync')).toEqual([
      'hash $chat_user consistent;',
      'server 10.0.0.81:8083;',
      'keepalive 16;',
    ]);
  });

  it('leaves out the hash maps nothing uses', () => {
    const text = nginxConfig(MONOLITH, SAMPLE_OPTIONS);
    expect(text).not.toContain('$chat_user');
    expect(text).not.toContain('hash ');
    expect([...upstreams(text).keys()]).toEqual([
      'chat_main',
      'chat_main_federation',
      'chat_main_keys',
      'chat_main_media',
    ]);
  });

  it('refuses a topology it cannot route', () => {
    expect(() => nginxConfig({ ...MONOLITH, processes: [] }, SAMPLE_OPTIONS)).toThrow(
      ProxyTopologyError,
    );
  });
});
