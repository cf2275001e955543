import { MatrixError } from '@chat/protocol';

import { userIdFromLoginBody } from './user-identifier';

describe('userIdFromLoginBody', () => {
  it('reads an m.id.user identifier with a localpart, lower-casing it', () => {
    expect(
      userIdFromLoginBody({ identifier: { type: 'm.id.user', user: 'Alice' } }, 'example.org'),
    ).toBe('@alice:example.org');
  });

  it('keeps a full user id as given', () => {
    expect(
      userIdFromLoginBody(
        { identifier: { type: 'm.id.user', user: '@bob:example.org' } },
        'example.org',
      ),
    ).toBe('@bob:example.org');
  });

  it('falls back to the legacy top-level user field', () => {
    expect(userIdFromLoginBody({ user: 'carol' }, 'example.org')).toBe('@carol:example.org');
  });

  it.each([
    [{ identifier: 'alice' }, 'M_BAD_JSON'],
    [{ identifier: { type: 'm.id.thirdparty', medium: 'email', address: 'a@b' } }, 'M_UNKNOWN'],
    [{ identifier: { type: 'm.id.user' } }, 'M_MISSING_PARAM'],
    [{ user: 42 }, 'M_MISSING_PARAM'],
    [{ user: '@no-server' }, 'M_INVALID_PARAM'],
    [{ user: 'nul\0' }, 'M_INVALID_PARAM'],
    [{ user: '@nul\0:example.org' }, 'M_INVALID_PARAM'],
    [{ identifier: { type: 'm.id.user', user: 'a:b' } }, 'M_INVALID_PARAM'],
  ])('rejects %j with %s', (body, errcode) => {
    let error: unknown;
    try {
      userIdFromLoginBody(body as Record<string, unknown>, 'example.org');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MatrixError);
    expect((error as MatrixError).errcode).toBe(errcode);
    expect((error as MatrixError).status).toBe(400);
  });
});
