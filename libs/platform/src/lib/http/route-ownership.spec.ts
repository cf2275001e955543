import { isPublicPath, routesOwnedBy } from './route-ownership';

describe('isPublicPath', () => {
  it('covers the APIs under both prefixes, server-specific paths and discovery', () => {
    for (const path of [
      '/chat/client/v3/sync',
      '/_matrix/client/r0/sync',
      '/chat/federation/v1/send/t',
      '/_matrix/key/v2/server',
      '/chat/media/v3/upload',
      '/_chat/admin/v1/register',
      '/.well-known/matrix/client',
    ]) {
      expect([path, isPublicPath(path)]).toEqual([path, true]);
    }
  });

  it('leaves out operations, the replication API and anything else', () => {
    for (const path of [
      '/health',
      '/metrics',
      '/_chat/replication/send_events/!r/t',
      '/_chat/replication',
      '/',
      '/chat',
    ]) {
      expect([path, isPublicPath(path)]).toEqual([path, false]);
    }
  });
});

describe('routesOwnedBy', () => {
  it("gives each owner its own rows of the endpoint table and nobody main's", () => {
    const media = routesOwnedBy(['media_repository'], { usePresence: true });
    const userDir = routesOwnedBy(['user_dir'], { usePresence: true });
    expect(media('GET', '/chat/media/v3/download/example.com/abc')).toBe(true);
    expect(media('POST', '/_chat/admin/v1/purge_media_cache')).toBe(true);
    expect(media('GET', '/chat/client/v3/sync')).toBe(false);
    expect(userDir('POST', '/chat/client/v3/user_directory/search')).toBe(true);
    expect(userDir('GET', '/chat/media/v3/download/example.com/abc')).toBe(false);
    for (const owns of [media, userDir]) {
      expect(owns('POST', '/chat/client/v3/account/password')).toBe(false);
    }
  });

  it("takes the frontend_proxy's presence stub only when presence is off", () => {
    const path = '/chat/client/v3/presence/@a:example.com/status';
    expect(routesOwnedBy(['frontend_proxy'], { usePresence: false })('PUT', path)).toBe(true);
    expect(routesOwnedBy(['frontend_proxy'], { usePresence: true })('PUT', path)).toBe(false);
  });
});
