import { vectorsIn } from '../test-vectors/vectors';
import { decodeBase64 } from './base64';
import { CanonicalJsonError } from './canonical-json';
import {
  formatSigningKeyFile,
  generateSigningKey,
  parseSigningKeyFile,
  publicKeyFromSeed,
  signingKeyFromSeed,
  signJson,
  verifyJsonSignature,
} from './signing';

type KeyInput = { seed_base64: string; server_name: string; key_id: string };

const SPEC_SEED = 'YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1';
const specKey = signingKeyFromSeed('1', decodeBase64(SPEC_SEED) as Buffer);

describe('spec test key', () => {
  it.each(vectorsIn<KeyInput, { public_key_base64: string }>('derived/signing-key-public'))(
    '%s',
    (_name, vector) => {
      const seed = decodeBase64(vector.input.seed_base64) as Buffer;
      expect(publicKeyFromSeed(seed)).toBe(vector.expected.public_key_base64);
      expect(specKey.keyId).toBe(vector.input.key_id);
      expect(specKey.publicKeyBase64).toBe(vector.expected.public_key_base64);
    },
  );
});

describe('signJson / verifyJsonSignature', () => {
  it.each(vectorsIn<KeyInput & { json: object }, object>('json-signing/'))(
    '%s',
    (_name, vector) => {
      const { json, server_name, key_id } = vector.input;
      const signed = signJson(json, server_name, specKey);
      expect(signed).toEqual(vector.expected);
      expect(json).not.toHaveProperty('signatures');
      expect(
        verifyJsonSignature(vector.expected, server_name, key_id, specKey.publicKeyBase64),
      ).toBe(true);
    },
  );

  it('ignores signatures and unsigned when signing, keeps them, and adds to existing ones', () => {
    const unsigned = { age: 5 };
    const first = signJson({ a: 1, unsigned }, 'domain', specKey);
    const other = generateSigningKey();
    const both = signJson(
      { ...first, signatures: { ...first.signatures, other: { 'ed25519:x': 'abc' } } },
      'domain',
      other,
    );
    expect(both.unsigned).toBe(unsigned);
    expect(both.signatures['other']).toEqual({ 'ed25519:x': 'abc' });
    expect(Object.keys(both.signatures['domain']).sort()).toEqual(
      ['ed25519:1', other.keyId].sort(),
    );
    expect(verifyJsonSignature(both, 'domain', 'ed25519:1', specKey.publicKeyBase64)).toBe(true);
    expect(verifyJsonSignature(both, 'domain', other.keyId, other.publicKeyBase64)).toBe(true);
    // The signature does not depend on `unsigned`.
    const changed = { ...both, unsigned: { age: 99 } };
    expect(verifyJsonSignature(changed, 'domain', 'ed25519:1', specKey.publicKeyBase64)).toBe(true);
  });

  it('refuses to sign values without a canonical form', () => {
    expect(() => signJson({ a: 0.5 }, 'domain', specKey)).toThrow(CanonicalJsonError);
  });

  const signed = signJson({ one: 1 }, 'domain', specKey);
  const signature = signed.signatures['domain']['ed25519:1'];
  it.each<[string, unknown, string, string, string]>([
    ['tampered content', { ...signed, one: 2 }, 'domain', 'ed25519:1', specKey.publicKeyBase64],
    ['another entity', signed, 'other', 'ed25519:1', specKey.publicKeyBase64],
    ['another key id', signed, 'domain', 'ed25519:2', specKey.publicKeyBase64],
    ['another public key', signed, 'domain', 'ed25519:1', generateSigningKey().publicKeyBase64],
    [
      'an unknown algorithm',
      { ...signed, signatures: { domain: { 'curve:1': signature } } },
      'domain',
      'curve:1',
      specKey.publicKeyBase64,
    ],
    [
      'a malformed signature',
      { ...signed, signatures: { domain: { 'ed25519:1': '!!' } } },
      'domain',
      'ed25519:1',
      specKey.publicKeyBase64,
    ],
    [
      'a short signature',
      { ...signed, signatures: { domain: { 'ed25519:1': 'Zm9v' } } },
      'domain',
      'ed25519:1',
      specKey.publicKeyBase64,
    ],
    [
      'a non-string signature',
      { ...signed, signatures: { domain: { 'ed25519:1': 7 } } },
      'domain',
      'ed25519:1',
      specKey.publicKeyBase64,
    ],
    [
      'signatures that are not an object',
      { ...signed, signatures: 'x' },
      'domain',
      'ed25519:1',
      specKey.publicKeyBase64,
    ],
    ['a malformed public key', signed, 'domain', 'ed25519:1', 'not base64!'],
    ['a short public key', signed, 'domain', 'ed25519:1', 'Zm9v'],
    [
      'a float in the object',
      { ...signed, f: 1.5 },
      'domain',
      'ed25519:1',
      specKey.publicKeyBase64,
    ],
    ['a non-object', [signed], 'domain', 'ed25519:1', specKey.publicKeyBase64],
    ['null', null, 'domain', 'ed25519:1', specKey.publicKeyBase64],
  ])('does not verify %s', (_label, object, entity, keyId, publicKey) => {
    expect(verifyJsonSignature(object, entity, keyId, publicKey)).toBe(false);
  });
});

describe('signing keys', () => {
  it('generates Synapse-style key versions and distinct seeds', () => {
    const a = generateSigningKey();
    const b = generateSigningKey();
    expect(a.algorithm).toBe('ed25519');
    expect(a.version).toMatch(/^a_[a-zA-Z0-9_]{4}$/);
    expect(a.keyId).toBe(`ed25519:${a.version}`);
    expect(a.seed).toHaveLength(32);
    expect(a.publicKeyBase64).toBe(publicKeyFromSeed(a.seed));
    expect(a.seed.equals(b.seed)).toBe(false);
    expect(generateSigningKey('auto_1').keyId).toBe('ed25519:auto_1');
  });

  it('round-trips through the Synapse key file format', () => {
    const key = generateSigningKey();
    const text = formatSigningKeyFile(key);
    expect(text).toMatch(/^ed25519 a_\w{4} [A-Za-z0-9+/]{43}\n$/);
    expect(parseSigningKeyFile(text)).toEqual(key);
  });

  it('reads the spec test key and takes the first of several lines', () => {
    const other = formatSigningKeyFile(generateSigningKey());
    expect(parseSigningKeyFile(`\r\n  ed25519 1 ${SPEC_SEED}  \r\n${other}\n`)).toEqual(specKey);
  });

  it.each([
    ['an empty file', '\n\n'],
    ['another algorithm', `curve25519 1 ${SPEC_SEED}`],
    ['a missing seed', 'ed25519 1'],
    ['a trailing field', `ed25519 1 ${SPEC_SEED} extra`],
    ['a bad version', `ed25519 a-b ${SPEC_SEED}`],
    ['a short seed', 'ed25519 1 Zm9v'],
    ['a non-base64 seed', 'ed25519 1 ***'],
    ['a bad later line', `ed25519 1 ${SPEC_SEED}\ned25519 2 Zm9v`],
  ])('rejects %s', (_label, text) => {
    expect(() => parseSigningKeyFile(text)).toThrow(Error);
  });

  it('rejects a bad version or seed length when building a key', () => {
    expect(() => generateSigningKey('has space')).toThrow(Error);
    expect(() => signingKeyFromSeed('1', Buffer.alloc(31))).toThrow(Error);
  });
});
