import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { API_PREFIXES, CLIENT_VERSIONS, clientPaths } from './client-versions';
import {
  ENDPOINT_TABLE,
  PUBLIC_PATTERNS,
  type RouteBalance,
  type RouteOwner,
  routeFor,
  routeLocations,
} from './endpoint-table';
import { routeIn } from './routing-plan';
import { SEED_ERA_TOPOLOGY } from './sample-topology.test-helper';

/** What the seed says about one of its patterns. */
interface SeedExpectation {
  owner: RouteOwner;
  balance?: RouteBalance;
  getOnly?: boolean;
}

interface SeedPattern extends SeedExpectation {
  regex: string;
}

/**
 * Every endpoint regex docs/workers.md (the seed) lists, with the owner its section gives it:
 * the app's heading, refined by the paragraph just before the list (GET-only, pagination, SSO,
 * presence stub).
 */
function seedPatterns(): SeedPattern[] {
  const text = readFileSync(join(__dirname, '../../../../docs/workers.md'), 'utf8');
  const found: SeedPattern[] = [];
  let app = '';
  let paragraph = '';
  let prose = '';
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced || line.startsWith('```')) continue;
    const heading = /^#{2,3} (?:`chat\.app\.(\w+)`)?/.exec(line);
    const code = /^ {4}([\^/]\S*)/.exec(line);
    if (heading) {
      app = heading[1] ?? '';
      paragraph = prose = '';
    } else if (code) {
      found.push({ regex: code[1], ...expectation(app, paragraph) });
    } else if (line.trim() === '') {
      if (prose) paragraph = prose;
      prose = '';
    } else if (!line.startsWith('    ')) {
      prose = `${prose} ${line}`;
    }
  }
  return found;
}

function expectation(app: string, paragraph: string): SeedExpectation {
  if (app === 'generic_worker') {
    if (paragraph.includes('GET requests')) return { owner: 'generic_worker', getOnly: true };
    if (paragraph.includes('Pagination requests'))
      return { owner: 'generic_worker', balance: 'room' };
    if (paragraph.includes('SSO')) return { owner: 'sso', balance: 'single' };
    return { owner: 'generic_worker' };
  }
  if (app === 'media_repository' || app === 'user_dir' || app === 'frontend_proxy') {
    return { owner: app };
  }
  throw new Error(`a pattern under ${app || 'no app heading'}: ${paragraph}`);
}

const SAMPLE_SEGMENT = '!room:example.org';

/** Concrete paths a seed regex matches: alternations expanded, wildcards filled. */
function seedSamples(regex: string): string[] {
  const body = regex
    .replace(/^\^/, '')
    .replace(/\$$/, '')
    .replace(/\.\*|\[\^\/\]\+/g, SAMPLE_SEGMENT);
  const group = /\(([^()]*)\)/.exec(body);
  const expanded = group
    ? group[1].split('|').flatMap((option) => seedSamples(body.replace(group[0], option)))
    : [body.endsWith('/') ? `${body}x` : body];
  return expanded;
}

/** The seed writes `/chat`; the same endpoint answers under `/_matrix`, and `r0` lives on as v3. */
function widened(path: string): string[] {
  const spellings = API_PREFIXES.map((prefix) => path.replace(/^\/chat\//, `${prefix}/`));
  return spellings.flatMap((p) =>
    p.includes('/client/r0/') ? [p, p.replace('/r0/', '/v3/')] : [p],
  );
}

describe('the endpoint table against the seed (docs/workers.md)', () => {
  const seed = seedPatterns();

  it('finds every pattern the seed lists', () => {
    expect(seed).toHaveLength(72);
    const owners = new Set(seed.map((pattern) => pattern.owner));
    expect(owners).toEqual(
      new Set(['generic_worker', 'sso', 'media_repository', 'user_dir', 'frontend_proxy']),
    );
  });

  // In the seed's era every owner has a process: the table must route each pattern to it.
  it.each(seed.map((pattern) => [pattern.regex, pattern] as const))(
    'routes %s as the seed says',
    (_regex, { regex, owner, balance, getOnly }) => {
      const samples = seedSamples(regex);
      expect(samples.length).toBeGreaterThan(0);
      for (const sample of samples) expect(sample).toMatch(new RegExp(regex));
      for (const path of samples.flatMap(widened)) {
        // The router serves no v2_alpha path; main answers it (with 404).
        const expected = path.includes('/v2_alpha/') ? 'main' : owner;
        const route = routeIn(SEED_ERA_TOPOLOGY, getOnly ? 'GET' : 'POST', path);
        expect({ path, owner: route?.owner }).toEqual({ path, owner: expected });
        if (balance && expected !== 'main') expect(route?.balance).toBe(balance);
        if (getOnly) expect(routeIn(SEED_ERA_TOPOLOGY, 'PUT', path)?.owner).toBe('main');
      }
    },
  );
});

describe('routeFor', () => {
  it('matches every prefix and every version of an endpoint', () => {
    const cases = [
      { versions: 'current', path: 'sync', owner: 'generic_worker', balance: 'user' },
      { versions: 'legacy', path: 'events', owner: 'generic_worker', balance: 'user' },
      { versions: 'legacy', path: 'login', owner: 'generic_worker', balance: 'round_robin' },
      {
        versions: 'v1',
        path: 'rooms/!r:x/relations/$e',
        owner: 'generic_worker',
        balance: 'round_robin',
      },
      {
        versions: 'unversioned',
        path: 'versions',
        owner: 'generic_worker',
        balance: 'round_robin',
      },
      {
        versions: 'current',
        path: 'sendToDevice/m.x/t1',
        owner: 'writer:to_device',
        balance: 'single',
      },
    ] as const;
    for (const { versions, path, owner, balance } of cases) {
      const paths = clientPaths(versions, path);
      expect(paths).toHaveLength(API_PREFIXES.length * CLIENT_VERSIONS[versions].length);
      for (const concrete of paths) {
        expect({ concrete, route: routeFor('GET', concrete) }).toMatchObject({
          concrete,
          route: { owner, balance },
        });
      }
    }
    expect(routeFor('GET', '/chat/client/r0/sync')?.initialSyncWithoutSince).toBe(true);
    expect(routeFor('GET', '/_matrix/client/v3/sync')?.owner).toBe('generic_worker');
    expect(routeFor('GET', '/chat/client/api/v1/events')?.owner).toBe('generic_worker');
  });

  it('ignores the query string', () => {
    expect(routeFor('GET', '/_matrix/client/v3/sync?since=s72_1&timeout=30000')?.balance).toBe(
      'user',
    );
  });

  it('never routes the replication API, under any method', () => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      for (const path of [
        '/_chat/replication',
        '/_chat/replication/send_event/$e/txn',
        '/_chat/replication/ping?x=1',
      ]) {
        expect(routeFor(method, path)).toBeUndefined();
      }
    }
    const replication = '/_chat/replication/send_event/x';
    expect(ENDPOINT_TABLE.filter((entry) => new RegExp(entry.pattern).test(replication))).toEqual(
      [],
    );
    expect(PUBLIC_PATTERNS.some((pattern) => new RegExp(pattern).test(replication))).toBe(false);
  });

  it('does not route paths outside the public APIs', () => {
    for (const path of [
      '/',
      '/metrics',
      '/health',
      '/chatx/client/v3/sync',
      '/_matrixx/key/v2/query',
    ]) {
      expect(routeFor('GET', path)).toBeUndefined();
    }
    expect(routeFor('GET', '/.well-known/matrix/server')?.owner).toBe('main');
    expect(routeFor('POST', '/_chat/admin/v1/register')?.owner).toBe('main');
    expect(routeFor('GET', '/_matrix/client/v3/account/whoami')?.owner).toBe('generic_worker');
    expect(routeFor('GET', '/_matrix/client/unstable/org.example/thing')?.owner).toBe('main');
  });

  it('sends reads of writer-owned paths to generic workers and writes to the writer', () => {
    const paths = {
      push_rules: '/_matrix/client/v3/pushrules/global/override/rule',
      account_data: '/_matrix/client/v3/user/@a:x/account_data/m.direct',
      presence: '/_matrix/client/v3/presence/@a:x/status',
    };
    for (const [stream, path] of Object.entries(paths)) {
      expect(routeFor('GET', path)?.owner).toBe('generic_worker');
      expect(routeFor('HEAD', path)?.owner).toBe('generic_worker');
      expect(routeFor('PUT', path)?.owner).toBe(`writer:${stream}`);
    }
    const tags = '/chat/client/r0/user/@a:x/rooms/!r:x/tags/u.work';
    expect(routeFor('PUT', tags)?.owner).toBe('writer:account_data');
    expect(routeFor('DELETE', tags)?.owner).toBe('writer:account_data');
    expect(routeFor('GET', '/chat/client/r0/user/@a:x/rooms/!r:x/tags')?.owner).toBe(
      'generic_worker',
    );
    // A method no entry of the location takes goes to main on the same resource.
    expect(routeFor('OPTIONS', paths.push_rules)?.owner).toBe('main');
    expect(routeFor('PUT', '/_chat/admin/v2/users/@a:x')?.owner).toBe('main');
    expect(routeFor('GET', '/_chat/admin/v2/users/@a:x')?.owner).toBe('generic_worker');
    expect(routeFor('PUT', '/chat/federation/v1/groups/g')).toMatchObject({
      owner: 'main',
      resource: 'federation',
    });
  });

  it('keeps sends whose transaction id looks like another endpoint on the event creators', () => {
    for (const txn of ['typing', 'tags', 'account_data', 'receipt']) {
      const path = `/_matrix/client/v3/rooms/!r:x/send/m.room.message/${txn}`;
      expect(routeFor('PUT', path)).toMatchObject({ owner: 'generic_worker', balance: 'room' });
    }
    expect(routeFor('PUT', '/_matrix/client/v3/rooms/!r:x/typing/@a:x')?.owner).toBe(
      'writer:typing',
    );
    expect(routeFor('POST', '/_matrix/client/v3/rooms/!r:x/receipt/m.read/$e')?.owner).toBe(
      'writer:receipts',
    );
  });

  it('gives media, federation and keys paths their own resource', () => {
    expect(routeFor('POST', '/_matrix/media/v3/upload')).toMatchObject({
      owner: 'media_repository',
      resource: 'media',
    });
    expect(routeFor('GET', '/_matrix/client/v1/media/download/x/y')?.resource).toBe('media');
    expect(routeFor('GET', '/_matrix/federation/v1/media/download/y')?.resource).toBe('media');
    expect(routeFor('GET', '/_matrix/key/v2/query/x')).toMatchObject({
      owner: 'generic_worker',
      resource: 'keys',
    });
    expect(routeFor('GET', '/_matrix/key/v2/server')).toMatchObject({
      owner: 'main',
      resource: 'keys',
    });
    expect(routeFor('PUT', '/_matrix/federation/v1/send/1')).toMatchObject({
      balance: 'origin',
      resource: 'federation',
    });
    expect(routeFor('GET', '/_matrix/federation/v1/openid/userinfo')).toMatchObject({
      owner: 'main',
      resource: 'federation',
    });
  });
});

describe('ENDPOINT_TABLE', () => {
  it('holds patterns that every proxy reads alike', () => {
    for (const { pattern } of ENDPOINT_TABLE) {
      expect(() => new RegExp(pattern)).not.toThrow();
      expect(pattern.startsWith('^')).toBe(true);
      // Captures would shadow nginx's $1; lookbehind and flags are not portable.
      expect(pattern).not.toMatch(/\((?!\?[:!])/);
      expect(pattern).not.toMatch(/["'\s]/);
    }
  });

  it('keeps one resource and at most one initial-sync split per location', () => {
    for (const { pattern, entries } of routeLocations(ENDPOINT_TABLE)) {
      expect({ pattern, resources: new Set(entries.map((e) => e.resource)).size }).toEqual({
        pattern,
        resources: 1,
      });
      if (entries.some((entry) => entry.initialSyncWithoutSince)) {
        expect(entries.every((entry) => entry.methods === undefined)).toBe(true);
      }
    }
  });

  it('routes no client traffic to the events writers', () => {
    expect(ENDPOINT_TABLE.some((entry) => entry.owner === 'writer:events')).toBe(false);
  });
});
