import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Equal-length digests, so the comparison takes the same time whatever the candidate's length
 * and however much of it matches.
 */
export function secretsEqual(candidate: string, secret: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(candidate), digest(secret));
}

/**
 * Why a request's `Authorization` headers (every one sent) fail the replication secret, or null
 * when they pass. Without a configured secret everything passes, as in the seed; the config
 * refuses that unless the replication listener is loopback-only.
 */
export function replicationSecretProblem(
  authorization: readonly string[] | undefined,
  secret: string | undefined,
): string | null {
  if (!secret) return null;
  if (!authorization || authorization.length === 0) return 'Missing Authorization header';
  if (authorization.length > 1) return 'Too many Authorization headers';
  const [scheme, token] = splitOnce(authorization[0], ' ');
  if (scheme !== 'Bearer') return 'Only Bearer authorization is accepted';
  return secretsEqual(token, secret) ? null : 'Invalid replication secret';
}

function splitOnce(value: string, separator: string): [string, string] {
  const at = value.indexOf(separator);
  return at < 0 ? [value, ''] : [value.slice(0, at), value.slice(at + separator.length)];
}
