import { parseConfig } from '@chat/config';

import {
  DEFAULT_ROOM_VERSION,
  DiscoveryController,
  SUPPORTED_ROOM_VERSIONS,
} from './discovery.controller';

const { config } = parseConfig([
  {
    path: '/tmp/test.yaml',
    values: { server_name: 'example.org', public_baseurl: 'https://chat.example.org/' },
  },
]);

describe('DiscoveryController', () => {
  const controller = new DiscoveryController(config);

  it('announces r0 and v1.x spec versions', () => {
    const { versions } = controller.versions();
    expect(versions).toEqual(expect.arrayContaining(['r0.6.1', 'v1.1']));
  });

  it('points clients at public_baseurl', () => {
    expect(controller.wellKnown()).toEqual({
      'm.homeserver': { base_url: 'https://chat.example.org/' },
    });
  });

  it('offers room versions 6 to 12 with 12 as the default', () => {
    const caps = controller.capabilities().capabilities['m.room_versions'];
    expect(caps.default).toBe(DEFAULT_ROOM_VERSION);
    expect(Object.keys(caps.available)).toEqual(SUPPORTED_ROOM_VERSIONS);
  });
});
