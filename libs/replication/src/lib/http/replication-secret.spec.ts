import { replicationSecretProblem, secretsEqual } from './replication-secret';

describe('the replication secret', () => {
  it('compares secrets of any lengths without throwing', () => {
    expect(secretsEqual('s3cret', 's3cret')).toBe(true);
    expect(secretsEqual('s3cre', 's3cret')).toBe(false);
    expect(secretsEqual('s3cret-and-more', 's3cret')).toBe(false);
    expect(secretsEqual('', 's3cret')).toBe(false);
  });

  it('passes exactly one Bearer header carrying the secret', () => {
    expect(replicationSecretProblem(['Bearer s3cret'], 's3cret')).toBeNull();
  });

  it.each([
    ['no header', undefined],
    ['an empty header list', []],
    ['two headers, even both right', ['Bearer s3cret', 'Bearer s3cret']],
    ['another scheme', ['Basic s3cret']],
    ['a lower-case scheme', ['bearer s3cret']],
    ['no token', ['Bearer']],
    ['a wrong token', ['Bearer s3cre']],
    ['the token with trailing junk', ['Bearer s3cret ']],
  ])('refuses %s', (_what, headers) => {
    expect(replicationSecretProblem(headers, 's3cret')).toEqual(expect.any(String));
  });

  it('passes everything when no secret is configured, empty or absent', () => {
    expect(replicationSecretProblem(undefined, undefined)).toBeNull();
    expect(replicationSecretProblem(['Basic whatever'], '')).toBeNull();
  });
});
