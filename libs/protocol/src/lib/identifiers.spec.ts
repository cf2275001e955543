import { vectorsIn } from '../test-vectors/vectors';
import {
  isValidHistoricalLocalpart,
  isValidLocalpart,
  isValidServerName,
  makeUserId,
  mapUsernameToLocalpart,
  parseEventId,
  parseRoomAlias,
  parseRoomId,
  parseServerName,
  parseUserId,
  parseUserIdOrThrow,
} from './identifiers';
import { MatrixError } from './matrix-error';

const HASH = 'KpYJz1KLLwl8vT3EcEVlWYtfDtKqq7WQ6ZvUhB-C1cU';

describe('server names', () => {
  it.each(
    vectorsIn<{ server_name: string }, { valid: boolean; hostname: string; port: number | null }>(
      'server-name/',
    ),
  )('%s', (_name, vector) => {
    const { valid, ...split } = vector.expected;
    expect(isValidServerName(vector.input.server_name)).toBe(valid);
    expect(parseServerName(vector.input.server_name)).toEqual(split);
  });

  it.each([
    ['localhost', 'localhost', null],
    ['my-host.example.com:443', 'my-host.example.com', 443],
    ['EXAMPLE.org:65535', 'EXAMPLE.org', 65535],
    ['255.255.255.255:0', '255.255.255.255', 0],
    ['[::1]:8448', '[::1]', 8448],
    ['[::]', '[::]', null],
    ['[fe80::1:2]', '[fe80::1:2]', null],
    ['[1:2:3:4:5:6:7:8]', '[1:2:3:4:5:6:7:8]', null],
    ['[::ffff:1.2.3.4]', '[::ffff:1.2.3.4]', null],
    ['[1:2:3:4:5:6:1.2.3.4]', '[1:2:3:4:5:6:1.2.3.4]', null],
  ])('accepts %s', (name, hostname, port) => {
    expect(parseServerName(name)).toEqual({ hostname, port });
  });

  it.each([
    '',
    ':8448',
    'matrix.org:',
    'matrix.org:65536',
    'matrix.org:123456',
    'matrix.org:80:80',
    'matrix.org:+80',
    'matrix.org.',
    '.matrix.org',
    'matrix..org',
    'ma_trix.org',
    'ma trix.org',
    'mätrix.org',
    '256.1.1.1',
    '1.2.3',
    '1234',
    'example.123',
    '::1',
    '[::1',
    '[::1]8448',
    '[]',
    '[1:2:3:4:5:6:7:8:9]',
    '[1:2:3:4:5:6:7]',
    '[1::2::3]',
    '[:::]',
    '[12345::]',
    '[::1.2.3.256]',
    '[::g]',
    `${'a'.repeat(256)}`,
    42,
    null,
  ])('rejects %j', (name) => {
    expect(isValidServerName(name)).toBe(false);
    expect(parseServerName(name)).toBeNull();
  });
});

describe('user ids', () => {
  it('splits at the first colon, so server names may carry colons', () => {
    expect(parseUserId('@alice:[::1]:8448')).toEqual({
      localpart: 'alice',
      serverName: '[::1]:8448',
    });
    expect(parseUserId('@alice:example.org:8448')).toEqual({
      localpart: 'alice',
      serverName: 'example.org:8448',
    });
  });

  it('accepts historical localparts from federation', () => {
    expect(parseUserId('@Alice Ü!:example.org')).toEqual({
      localpart: 'Alice Ü!',
      serverName: 'example.org',
    });
    expect(parseUserId('@:example.org')).toEqual({ localpart: '', serverName: 'example.org' });
  });

  it.each([
    'alice:example.org',
    '#alice:example.org',
    '@alice',
    '@alice:',
    '@alice:bad_host',
    '@al\0ice:example.org',
    '@al\ud800:example.org',
    `@${'a'.repeat(243)}:example.org`,
    undefined,
  ])('rejects %j', (id) => {
    expect(parseUserId(id)).toBeNull();
  });

  it('allows exactly 255 bytes', () => {
    expect(parseUserId(`@${'a'.repeat(242)}:example.org`)).not.toBeNull();
    expect(parseUserId(`@${'é'.repeat(121)}:example.org`)).not.toBeNull();
    expect(parseUserId(`@${'é'.repeat(122)}:example.org`)).toBeNull();
  });

  it('has a throwing variant for request input', () => {
    expect(parseUserIdOrThrow('@a:b.c')).toEqual({ localpart: 'a', serverName: 'b.c' });
    expect(() => parseUserIdOrThrow('nope')).toThrow(MatrixError);
    try {
      parseUserIdOrThrow(undefined);
    } catch (error) {
      expect((error as MatrixError).toJSON()).toEqual({
        errcode: 'M_INVALID_PARAM',
        error: 'Invalid user id: none',
      });
    }
  });

  it('builds ids', () => {
    expect(makeUserId('alice', 'example.org:8448')).toBe('@alice:example.org:8448');
  });
});

describe('localparts', () => {
  it.each(['alice', 'a.b_c=d-e/f+g', '0', 'x'.repeat(242)])('%j is valid for new users', (lp) => {
    expect(isValidLocalpart(lp, 'example.org')).toBe(true);
  });

  it.each(['', 'Alice', 'al ice', 'al:ice', 'é', 'a#b', 'x'.repeat(243)])(
    '%j is not valid for new users',
    (lp) => {
      expect(isValidLocalpart(lp, 'example.org')).toBe(false);
    },
  );

  it('accepts historical localparts except colons, NUL and lone surrogates', () => {
    expect(isValidHistoricalLocalpart('')).toBe(true);
    expect(isValidHistoricalLocalpart('Alice Ü 😀 #!')).toBe(true);
    expect(isValidHistoricalLocalpart('a:b')).toBe(false);
    expect(isValidHistoricalLocalpart('a\0b')).toBe(false);
    expect(isValidHistoricalLocalpart('a\udc00')).toBe(false);
  });
});

describe('mapUsernameToLocalpart', () => {
  it.each(vectorsIn<{ char: string; case_preserving?: boolean }, string>('user-id-mapping/'))(
    '%s',
    (_name, vector) => {
      const { char, case_preserving: casePreserving } = vector.input;
      expect(mapUsernameToLocalpart(char, { casePreserving })).toBe(vector.expected);
    },
  );

  it('maps a whole username onto the new-localpart alphabet', () => {
    expect(mapUsernameToLocalpart('Bob_Smith=1 ok./+-')).toBe('bob_smith=3d1=20ok./+-');
    expect(mapUsernameToLocalpart('Bob_Smith', { casePreserving: true })).toBe('_bob___smith');
    expect(isValidLocalpart(mapUsernameToLocalpart('Zoë 😀 #1!'), 'example.org')).toBe(true);
  });
});

describe('room aliases', () => {
  it('splits at the first colon and allows any localpart but : and NUL', () => {
    expect(parseRoomAlias('#Fun Room!:example.org:8448')).toEqual({
      localpart: 'Fun Room!',
      serverName: 'example.org:8448',
    });
  });

  it.each(['#:example.org', '!room:example.org', '#room', '#ro\0om:example.org', '#room:bad_host'])(
    'rejects %j',
    (alias) => {
      expect(parseRoomAlias(alias)).toBeNull();
    },
  );
});

describe('room ids', () => {
  it('parses v1-v11 ids with a server and v12 hash ids without one', () => {
    expect(parseRoomId('!abcDEF:example.org')).toEqual({
      opaque: 'abcDEF',
      serverName: 'example.org',
    });
    expect(parseRoomId(`!${HASH}`)).toEqual({ opaque: HASH, serverName: null });
  });

  it.each([
    '!:example.org',
    '!abc',
    `!${HASH}x`,
    `!${HASH.replace('-', '+')}`,
    `$${HASH}`,
    '!abc:bad_host',
    '',
    7,
  ])('rejects %j', (id) => {
    expect(parseRoomId(id)).toBeNull();
  });
});

describe('event ids', () => {
  it('parses v1-v2 ids with a server and v3+ hash ids in either base64 alphabet', () => {
    expect(parseEventId('$1234abcd:example.org')).toEqual({
      opaque: '1234abcd',
      serverName: 'example.org',
    });
    expect(parseEventId(`$${HASH}`)).toEqual({ opaque: HASH, serverName: null });
    const v3 = `${HASH.replace('-', '+').slice(0, 42)}/`;
    expect(parseEventId(`$${v3}`)).toEqual({ opaque: v3, serverName: null });
  });

  it.each(['$:example.org', '$short', `!${HASH}`, `$${HASH}=`, '$a:b:c:d', null])(
    'rejects %j',
    (id) => {
      expect(parseEventId(id)).toBeNull();
    },
  );
});
