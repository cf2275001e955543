import { clientPaths } from './client-versions';
import { apiPattern, clientPattern, federationPattern, serverPattern } from './route-patterns';

describe('route patterns', () => {
  it('widen a client endpoint to exactly the paths the router answers', () => {
    const pattern = new RegExp(clientPattern('current', 'account/whoami$'));
    for (const path of clientPaths('current', 'account/whoami')) expect(path).toMatch(pattern);
    for (const path of clientPaths('legacy', 'account/whoami')) {
      expect(pattern.test(path)).toBe(!path.includes('/api/v1/'));
    }
    expect(clientPattern('unversioned', 'versions$')).toBe('^(?:/chat|/_matrix)/client/versions$');
    expect(pattern.test('/chat/client/v3/account/whoami/x')).toBe(false);
    expect(pattern.test('/x/chat/client/v3/account/whoami')).toBe(false);
  });

  it('build federation, other API and server-specific patterns', () => {
    expect(federationPattern(['v1', 'v2'], 'invite/')).toBe(
      '^(?:/chat|/_matrix)/federation/(?:v1|v2)/invite/',
    );
    expect(federationPattern(['v1'], 'send/')).toBe('^(?:/chat|/_matrix)/federation/v1/send/');
    expect(apiPattern('key/v2/query')).toBe('^(?:/chat|/_matrix)/key/v2/query');
    expect(serverPattern('client/pick_idp$')).toBe('^/_chat/client/pick_idp$');
  });
});
