import { parseConfig } from '@chat/config';
import { canonicalApiPath, clientPaths, routeFor } from '@chat/routing';

import { genericWorkerRoutes } from './generic-worker-routes';

function workerConfig(extra: Record<string, unknown> = {}) {
  return parseConfig([
    {
      path: 'homeserver.yaml',
      values: {
        server_name: 'example.com',
        database: { name: 'psycopg2', args: { database: 'chat' } },
        redis: { enabled: true },
        instance_map: { main: { host: '127.0.0.1', port: 9093 } },
        ...extra,
      },
    },
    {
      path: 'worker1.yaml',
      values: { worker_app: 'chat.app.generic_worker', worker_name: 'worker1' },
    },
  ]).config;
}

const owns = genericWorkerRoutes(workerConfig());
const ROOM = '!room:example.com';

/** Requests across the table: every kind of row, owned or not, in several spellings. */
const CORPUS: ReadonlyArray<[string, string]> = [
  ['GET', '/chat/client/v3/sync'],
  ['GET', '/_matrix/client/r0/sync?since=s1'],
  ['GET', '/chat/client/v2_alpha/sync'],
  ['GET', '/chat/client/api/v1/events'],
  ['GET', '/chat/client/r0/initialSync'],
  ['GET', `/chat/client/v3/rooms/${ROOM}/messages`],
  ['GET', `/_matrix/client/r0/rooms/${ROOM}/messages`],
  ['PUT', `/chat/client/v3/rooms/${ROOM}/send/m.room.message/t1`],
  ['PUT', `/chat/client/v3/rooms/${ROOM}/typing/@a:example.com`],
  ['POST', `/chat/client/v3/rooms/${ROOM}/receipt/m.read/$e`],
  ['POST', '/chat/client/v3/createRoom'],
  ['GET', '/chat/client/v3/joined_rooms'],
  ['GET', '/chat/client/v3/profile/@a:example.com'],
  ['PUT', '/chat/client/v3/profile/@a:example.com/displayname'],
  ['GET', '/chat/client/v3/pushrules/'],
  ['PUT', '/chat/client/v3/pushrules/global/override/x'],
  ['GET', '/chat/client/v3/presence/@a:example.com/status'],
  ['PUT', '/chat/client/v3/presence/@a:example.com/status'],
  ['GET', '/chat/client/v3/user/@a:example.com/account_data/m.x'],
  ['PUT', '/chat/client/v3/user/@a:example.com/account_data/m.x'],
  ['GET', '/chat/client/v3/devices'],
  ['POST', '/chat/client/v3/keys/upload'],
  ['POST', '/chat/client/v3/user_directory/search'],
  ['POST', '/chat/client/v3/account/password'],
  ['GET', '/chat/client/v3/account/whoami'],
  ['POST', '/chat/client/v3/login'],
  ['GET', '/chat/client/v3/login/sso/redirect'],
  ['PUT', '/chat/client/v3/sendToDevice/m.x/t1'],
  ['GET', '/chat/client/versions'],
  ['GET', '/chat/media/v3/download/example.com/abc'],
  ['GET', '/chat/client/v1/media/download/example.com/abc'],
  ['PUT', '/chat/federation/v1/send/t1'],
  ['GET', '/_matrix/federation/v1/event/$e'],
  ['POST', '/chat/key/v2/query'],
  ['GET', '/chat/key/v2/server'],
  ['GET', '/_chat/admin/v1/register'],
  ['GET', '/_chat/admin/v1/rooms/!r:example.com'],
  ['GET', '/_chat/admin/v2/users/@a:example.com'],
  ['PUT', '/_chat/admin/v2/users/@a:example.com'],
  ['GET', '/.well-known/matrix/client'],
];

describe('genericWorkerRoutes', () => {
  it("owns the seed's generic-worker endpoints under every spelling", () => {
    for (const path of [
      'sync',
      'events',
      'initialSync',
      `rooms/${ROOM}/messages`,
      'joined_rooms',
      'profile/@a:example.com',
    ]) {
      for (const spelled of clientPaths('current', path)) {
        expect([spelled, owns('GET', spelled)]).toEqual([spelled, true]);
      }
    }
    expect(owns('POST', '/chat/client/v3/createRoom')).toBe(true);
    expect(owns('PUT', `/chat/client/v3/rooms/${ROOM}/send/m.room.message/t1`)).toBe(true);
    expect(owns('PUT', '/chat/federation/v1/send/t1')).toBe(true);
    expect(owns('POST', '/_matrix/key/v2/query')).toBe(true);
  });

  it('owns reads of stream-writer paths but not their writes (the GET-only rules)', () => {
    for (const path of [
      '/chat/client/v3/pushrules/global/override/x',
      '/chat/client/v3/presence/@a:example.com/status',
      '/chat/client/v3/user/@a:example.com/account_data/m.x',
      '/chat/client/v3/user/@a:example.com/rooms/!r:example.com/tags',
      '/_chat/admin/v2/users/@a:example.com',
    ]) {
      expect([path, owns('GET', path), owns('HEAD', path), owns('PUT', path)]).toEqual([
        path,
        true,
        true,
        false,
      ]);
    }
  });

  it("does not own main's routes, other workers' routes or unknown versions", () => {
    for (const [method, path] of [
      ['POST', '/chat/client/v3/account/password'],
      ['POST', '/_matrix/client/r0/account/password'],
      ['GET', '/_chat/admin/v1/register'],
      ['POST', '/_chat/admin/v1/register'],
      ['PUT', `/chat/client/v3/rooms/${ROOM}/typing/@a:example.com`],
      ['PUT', '/chat/client/v3/sendToDevice/m.x/t1'],
      ['GET', '/chat/media/v3/download/example.com/abc'],
      ['GET', '/chat/key/v2/server'],
      ['GET', '/chat/client/v3/login/sso/redirect'],
      ['GET', '/.well-known/matrix/client'],
      // routeFor widens the seed's list to the versions we serve: v2_alpha is not one of them.
      ['GET', '/chat/client/v2_alpha/sync'],
      ['GET', '/_chat/replication/get_repl_stream_updates/typing'],
    ]) {
      expect([method, path, owns(method, path)]).toEqual([method, path, false]);
    }
  });

  it('owns endpoints that other workers take only where such workers run', () => {
    // Without a device-list writer or a user_dir worker, the proxy sends these to generic workers.
    expect(owns('GET', '/chat/client/v3/devices')).toBe(true);
    expect(owns('POST', '/chat/client/v3/keys/upload')).toBe(true);
    expect(owns('POST', '/chat/client/v3/user_directory/search')).toBe(true);
  });

  it('owns the writes of the streams stream_writers gives it', () => {
    const writer = genericWorkerRoutes(
      workerConfig({
        instance_map: {
          main: { host: '127.0.0.1', port: 9093 },
          worker1: { host: '127.0.0.1', port: 9094 },
        },
        stream_writers: { push_rules: 'worker1', typing: 'worker1' },
      }),
    );
    expect(writer('PUT', '/chat/client/v3/pushrules/global/override/x')).toBe(true);
    expect(writer('PUT', `/chat/client/v3/rooms/${ROOM}/typing/@a:example.com`)).toBe(true);
    expect(writer('PUT', '/chat/client/v3/presence/@a:example.com/status')).toBe(false);
    expect(writer('POST', '/chat/client/v3/account/password')).toBe(false);
  });

  it('owns everything routeFor gives generic workers, by the same reading', () => {
    for (const [method, path] of CORPUS) {
      if (routeFor(method, path)?.owner === 'generic_worker') {
        expect([method, path, owns(method, path)]).toEqual([method, path, true]);
      }
    }
  });

  it('decides a path as it decides its canonical spelling, which is what the platform asks', () => {
    for (const [method, path] of CORPUS) {
      const bare = path.split('?', 1)[0];
      expect([method, path, owns(method, canonicalApiPath(bare))]).toEqual([
        method,
        path,
        owns(method, bare),
      ]);
    }
  });
});
