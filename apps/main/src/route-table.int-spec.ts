import { ENDPOINT_TABLE, routeFor, type RouteEntry } from '@chat/routing';

import { TestServer } from './test-server.test-helper';

/** The parts of an Express 5 router layer read here (not in Express's typings). */
interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

interface RegisteredRoute {
  method: string;
  /** Express syntax: `:param` segments and `{/:optional}` groups. */
  template: string;
}

/** Served by every listener for the operator, never through the proxy. */
const UNPROXIED = new Set(['/health', '/metrics']);

/** Sample values shaped like what clients send, so that patterns keyed on ids see real ones. */
const SAMPLES: Record<string, string> = {
  roomId: encodeURIComponent('!room:example.org'),
  roomIdOrAlias: encodeURIComponent('#alias:example.org'),
  roomAlias: encodeURIComponent('#alias:example.org'),
  eventId: encodeURIComponent('$event'),
  userId: encodeURIComponent('@user:example.org'),
};

/** Every concrete path the template matches: each optional group left out and put in. */
function samplePaths(template: string): string[] {
  const group = /\{([^{}]*)\}/.exec(template);
  if (group) {
    const before = template.slice(0, group.index);
    const after = template.slice(group.index + group[0].length);
    return [...samplePaths(before + after), ...samplePaths(before + group[1] + after)];
  }
  return [template.replace(/:(\w+)/g, (_, name: string) => SAMPLES[name] ?? `sample_${name}`)];
}

/** The spellings a client may use for one registered path (the app folds them before routing). */
function spellings(path: string): string[] {
  if (!path.startsWith('/chat/')) return [path];
  const all = [path, path.replace(/^\/chat\//, '/_matrix/')];
  return path.includes('/v3/') ? all.flatMap((p) => [p, p.replace('/v3/', '/r0/')]) : all;
}

const describeEntry = (entry: RouteEntry | undefined) =>
  entry && { pattern: entry.pattern, owner: entry.owner, methods: entry.methods };

/**
 * The proxy routes by `libs/routing`'s table while the processes route by their controllers: each
 * route a controller registers must land on exactly one table entry, whichever way it is spelled,
 * or a proxy would send its requests somewhere unpredictable.
 */
describe('the routing table against the routes main registers', () => {
  let routes: RegisteredRoute[];

  beforeAll(async () => {
    const server = await TestServer.start('sqlite');
    try {
      const router = server.http.app.getHttpAdapter().getInstance().router as {
        stack: RouteLayer[];
      };
      routes = router.stack.flatMap(({ route }) =>
        route
          ? Object.keys(route.methods).map((method) => ({
              method: method.toUpperCase(),
              template: route.path,
            }))
          : [],
      );
    } finally {
      await server.stop();
    }
  });

  it('reads a plausible route list (the endpoints of the features built so far)', () => {
    expect(routes.length).toBeGreaterThan(150);
    expect(routes).toContainEqual({ method: 'GET', template: '/chat/client/v3/sync' });
  });

  it('routes every public route to one entry, the same one under every spelling', () => {
    const disagreements: unknown[] = [];
    for (const { method, template } of routes) {
      if (UNPROXIED.has(template)) continue;
      for (const path of samplePaths(template)) {
        const [canonical, ...others] = spellings(path).map((p) => routeFor(method, p));
        if (!canonical) disagreements.push({ method, path, entry: 'none' });
        for (const [i, other] of others.entries()) {
          if (other !== canonical) {
            disagreements.push({
              method,
              spelling: spellings(path)[i + 1],
              entry: describeEntry(other),
              canonical: describeEntry(canonical),
            });
          }
        }
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('sends each route to an entry of the table that allows its method', () => {
    for (const { method, template } of routes) {
      if (UNPROXIED.has(template)) continue;
      for (const path of samplePaths(template)) {
        const entry = routeFor(method, path);
        expect({ method, path, inTable: entry && ENDPOINT_TABLE.includes(entry) }).toEqual({
          method,
          path,
          inTable: true,
        });
        expect({
          method,
          path,
          allowed: entry?.methods?.includes(method as never) ?? true,
        }).toEqual({ method, path, allowed: true });
      }
    }
  });

  it('routes the operator routes nowhere: the proxy never passes them on', () => {
    for (const path of UNPROXIED) {
      expect(routes.map((r) => r.template)).toContain(path);
      expect({ path, entry: routeFor('GET', path) }).toEqual({ path, entry: undefined });
    }
  });
});
