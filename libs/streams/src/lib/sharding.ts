import { createHash } from 'node:crypto';

/**
 * Picks the instance responsible for `key` (replication.md §2.13): SHA-256 of the UTF-8 key read
 * as a little-endian unsigned integer, modulo the number of instances. Every process must get the
 * same answer for the same ordered list, so this must stay bit-exact with Synapse.
 */
export function instanceFor(key: string, instances: readonly string[]): string {
  if (instances.length === 0) {
    throw new Error(`no instance to handle ${JSON.stringify(key)}`);
  }
  if (instances.length === 1) {
    return instances[0];
  }
  const digest = createHash('sha256').update(key, 'utf8').digest();
  const n = BigInt(instances.length);
  // Horner's rule from the most significant (last) byte keeps the intermediate value below 256·n.
  let rem = 0n;
  for (let i = digest.length - 1; i >= 0; i--) {
    rem = (rem * 256n + BigInt(digest[i])) % n;
  }
  return instances[Number(rem)];
}

export function shouldHandle(self: string, key: string, instances: readonly string[]): boolean {
  return instances.length > 0 && instanceFor(key, instances) === self;
}
