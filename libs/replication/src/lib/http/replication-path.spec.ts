import { MatrixError } from '@chat/protocol';
import { replicationEndpoint } from './replication-endpoint';
import { parsePathArgs, replicationPath, splitReplicationPath } from './replication-path';

const JOIN = replicationEndpoint({
  name: 'remote_join',
  pathArgs: ['room_id', 'user_id'],
  onlyOn: 'main',
});
const UNCACHED = replicationEndpoint({
  name: 'fed_query',
  pathArgs: ['query_type'],
  cacheable: false,
  onlyOn: 'main',
});
const BARE = replicationEndpoint({
  name: 'handle_new_device_update',
  cacheable: false,
  onlyOn: 'any',
});

function errorOf(run: () => unknown): MatrixError {
  try {
    run();
  } catch (error) {
    if (error instanceof MatrixError) return error;
    throw error;
  }
  throw new Error('expected a MatrixError');
}

describe('replication paths', () => {
  it('encodes each argument and ends a cacheable endpoint with the txn id', () => {
    expect(replicationPath(JOIN, { room_id: '!a/b:x', user_id: '@ü:x' }, 'abcDEFghij')).toBe(
      '/_chat/replication/remote_join/!a%2Fb%3Ax/%40%C3%BC%3Ax/abcDEFghij',
    );
    expect(replicationPath(UNCACHED, { query_type: 'profile' })).toBe(
      '/_chat/replication/fed_query/profile',
    );
    expect(replicationPath(BARE, {})).toBe('/_chat/replication/handle_new_device_update');
  });

  it('refuses to build a path without an argument or the txn id it needs', () => {
    expect(() => replicationPath(JOIN, { room_id: '!a:x', user_id: '' }, 't')).toThrow(/user_id/);
    expect(() => replicationPath(JOIN, { room_id: '!a:x', user_id: '@b:x' })).toThrow(/txn id/);
  });

  it('reads back what it builds', () => {
    const args = { room_id: '!a/b:x %', user_id: '@ü:x' };
    const route = splitReplicationPath(replicationPath(JOIN, args, 'txn'));
    expect(route?.name).toBe('remote_join');
    expect(parsePathArgs(JOIN, route?.segments ?? [])).toEqual({ args, txnId: 'txn' });
    const bare = splitReplicationPath(replicationPath(BARE, {}));
    expect(bare).toEqual({ name: 'handle_new_device_update', segments: [] });
    expect(parsePathArgs(BARE, [])).toEqual({ args: {} });
  });

  it('finds nothing outside the prefix', () => {
    expect(splitReplicationPath('/_chat/replicationx/a')).toBeNull();
    expect(splitReplicationPath('/chat/client/v3/sync')).toBeNull();
  });

  it.each([
    ['too few segments', ['!a:x', 'txn']],
    ['too many segments', ['!a:x', '@b:x', 'txn', 'more']],
    ['an empty segment', ['!a:x', '', 'txn']],
    ['no txn id', ['!a:x', '@b:x']],
  ])('matches no route with %s', (_what, segments) => {
    expect(errorOf(() => parsePathArgs(JOIN, segments))).toMatchObject({
      status: 404,
      errcode: 'M_UNRECOGNIZED',
    });
  });

  it('refuses a segment that is not valid percent-encoding', () => {
    expect(errorOf(() => parsePathArgs(JOIN, ['%E0%A4%A', '@b:x', 'txn']))).toMatchObject({
      status: 400,
      errcode: 'M_INVALID_PARAM',
    });
  });
});
