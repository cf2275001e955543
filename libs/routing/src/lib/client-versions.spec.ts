import { clientPaths, serverPath } from './client-versions';

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
