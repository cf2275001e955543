import { canonicalApiPath, clientPaths, clientRoutes, serverPath } from './client-versions';

describe('clientPaths', () => {
  it('expands a current endpoint to r0, v3 and unstable under both prefixes', () => {
    expect(clientPaths('current', 'account/whoami')).toEqual([
      '/chat/client/r0/account/whoami',
      '/chat/client/v3/account/whoami',
      '/chat/client/unstable/account/whoami',
      '/_matrix/client/r0/account/whoami',
      '/_matrix/client/v3/account/whoami',
      '/_matrix/client/unstable/account/whoami',
    ]);
  });

  it('keeps the seed api/v1 segment for legacy endpoints', () => {
    expect(clientPaths('legacy', 'login')).toContain('/chat/client/api/v1/login');
  });

  it('has no version segment for unversioned endpoints', () => {
    expect(clientPaths('unversioned', 'versions')).toEqual([
      '/chat/client/versions',
      '/_matrix/client/versions',
    ]);
  });

  it('builds server-specific paths under /_chat', () => {
    expect(serverPath('admin/v1/register')).toBe('/_chat/admin/v1/register');
  });
});

describe('clientRoutes and canonicalApiPath', () => {
  it('registers one prefix and folds r0 into v3', () => {
    expect(clientRoutes('current', 'account/whoami')).toEqual([
      '/chat/client/v3/account/whoami',
      '/chat/client/unstable/account/whoami',
    ]);
    expect(clientRoutes('legacy', 'login')).toEqual([
      '/chat/client/api/v1/login',
      '/chat/client/v3/login',
      '/chat/client/unstable/login',
    ]);
    expect(clientRoutes('unversioned', 'versions')).toEqual(['/chat/client/versions']);
  });

  it.each(['legacy', 'current', 'v1', 'unversioned'] as const)(
    'maps every public %s path onto a registered route, and nothing else onto one',
    (set) => {
      const routes = new Set(clientRoutes(set, 'x'));
      expect(new Set(clientPaths(set, 'x').map(canonicalApiPath))).toEqual(routes);
      for (const other of ['v2', 'r1', 'api/v2']) {
        expect(routes.has(canonicalApiPath(`/_matrix/client/${other}/x`))).toBe(false);
      }
    },
  );

  it('keeps the query string and leaves other paths alone', () => {
    expect(canonicalApiPath('/_matrix/client/r0/sync?since=s1_2')).toBe(
      '/chat/client/v3/sync?since=s1_2',
    );
    expect(canonicalApiPath('/_matrix/media/v3/upload')).toBe('/chat/media/v3/upload');
    expect(canonicalApiPath('/_chat/admin/v1/register')).toBe('/_chat/admin/v1/register');
    expect(canonicalApiPath('/chat/client/r0x/y')).toBe('/chat/client/r0x/y');
    expect(canonicalApiPath('/_matrixy/client')).toBe('/_matrixy/client');
  });
});
