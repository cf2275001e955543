import {
  createPrivateKey,
  createPublicKey,
  KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64';
import { canonicalJsonBytes } from './canonical-json';
import { randomString } from './random';

/** A server (or device) ed25519 signing key. `seed` is the 32-byte secret; keep it private. */
export interface SigningKey {
  algorithm: 'ed25519';
  /** The part after `ed25519:` in the key id, `[a-zA-Z0-9_]+`. */
  version: string;
  seed: Buffer;
  publicKeyBase64: string;
  /** `ed25519:<version>` */
  keyId: string;
}

/** `signatures` of a signed JSON object: entity (server name or user id) → key id → signature. */
export type Signatures = Record<string, Record<string, string>>;

const SEED_BYTES = 32;
const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
// DER headers that turn a raw ed25519 seed / public key into PKCS#8 / SPKI for node:crypto.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const KEY_VERSION = /^[a-zA-Z0-9_]+$/;
const KEY_VERSION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_';

/** Builds a signing key from its seed. Throws if the seed or version is malformed. */
export function signingKeyFromSeed(version: string, seed: Uint8Array): SigningKey {
  if (!KEY_VERSION.test(version)) throw new Error(`Invalid signing key version "${version}"`);
  if (seed.length !== SEED_BYTES) throw new Error(`An ed25519 seed is ${SEED_BYTES} bytes`);
  const seedBuffer = Buffer.from(seed);
  return {
    algorithm: 'ed25519',
    version,
    seed: seedBuffer,
    publicKeyBase64: publicKeyFromSeed(seedBuffer),
    keyId: `ed25519:${version}`,
  };
}

/** A fresh key; the default version looks like Synapse's (`a_` + 4 random characters). */
export function generateSigningKey(
  version = `a_${randomString(4, KEY_VERSION_ALPHABET)}`,
): SigningKey {
  return signingKeyFromSeed(version, randomBytes(SEED_BYTES));
}

/** The unpadded-base64 ed25519 public key for a 32-byte seed. */
export function publicKeyFromSeed(seed: Uint8Array): string {
  const spki = createPublicKey(privateKey(seed)).export({ format: 'der', type: 'spki' });
  return encodeBase64(spki.subarray(spki.length - PUBLIC_KEY_BYTES));
}

/**
 * Parses Synapse's signing key file: lines of `ed25519 <version> <unpadded-base64 seed>`.
 * Every non-blank line must be well-formed; the first one is the signing key (Synapse reads
 * the same way). Throws with a readable message, since this is start-up configuration.
 */
export function parseSigningKeyFile(text: string): SigningKey {
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map(parseSigningKeyLine);
  if (keys.length === 0) throw new Error('Signing key file is empty');
  return keys[0];
}

function parseSigningKeyLine(line: string, index: number): SigningKey {
  const [algorithm, version, seedText, ...rest] = line.split(/\s+/);
  const seed = seedText === undefined ? null : decodeBase64(seedText);
  if (algorithm !== 'ed25519' || rest.length > 0 || seed === null) {
    throw new Error(
      `Signing key file line ${index + 1}: expected "ed25519 <version> <base64 seed>"`,
    );
  }
  return signingKeyFromSeed(version, seed);
}

/** One line in Synapse's key file format, newline-terminated. */
export function formatSigningKeyFile(key: SigningKey): string {
  return `${key.algorithm} ${key.version} ${encodeBase64(key.seed)}\n`;
}

/**
 * Signs a JSON object as `entity` (spec appendices#signing-json): `signatures` and `unsigned`
 * are left out of the signed bytes, existing signatures are kept, and a new object is returned.
 * Throws {@link CanonicalJsonError} if the object has no canonical form.
 */
export function signJson<T extends object>(
  object: T,
  entity: string,
  key: SigningKey,
): T & { signatures: Signatures } {
  const { signatures, unsigned, ...signed } = object as Record<string, unknown>;
  const signature = sign(null, canonicalJsonBytes(signed), privateKey(key.seed));
  const existing = isRecord(signatures) ? signatures : {};
  const forEntity = isRecord(existing[entity]) ? existing[entity] : {};
  const result: Record<string, unknown> = {
    ...signed,
    signatures: { ...existing, [entity]: { ...forEntity, [key.keyId]: encodeBase64(signature) } },
  };
  if (unsigned !== undefined) result['unsigned'] = unsigned;
  return result as T & { signatures: Signatures };
}

/**
 * True if `object.signatures[entity][keyId]` is a valid ed25519 signature by the given public
 * key. Never throws: a missing or malformed signature, key or object is simply not verified.
 */
export function verifyJsonSignature(
  object: unknown,
  entity: string,
  keyId: string,
  publicKeyBase64: string,
): boolean {
  if (!isRecord(object) || !keyId.startsWith('ed25519:')) return false;
  const { signatures, unsigned: _unsigned, ...signed } = object;
  const forEntity = isRecord(signatures) ? signatures[entity] : undefined;
  const signatureText = isRecord(forEntity) ? forEntity[keyId] : undefined;
  if (typeof signatureText !== 'string') return false;
  const signature = decodeBase64(signatureText);
  const publicKey = decodeBase64(publicKeyBase64);
  if (signature?.length !== SIGNATURE_BYTES || publicKey?.length !== PUBLIC_KEY_BYTES) return false;
  try {
    const key = createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    });
    return verify(null, canonicalJsonBytes(signed), key, signature);
  } catch {
    // No canonical form (floats, lone surrogates…) or a point that is not on the curve.
    return false;
  }
}

/** Importing a key costs more than signing with it, so each seed is imported once. */
const privateKeys = new WeakMap<Uint8Array, KeyObject>();

function privateKey(seed: Uint8Array): KeyObject {
  let key = privateKeys.get(seed);
  if (!key) {
    key = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    privateKeys.set(seed, key);
  }
  return key;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
