import { randomInt } from 'node:crypto';

export const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * A string of `length` characters drawn uniformly from `alphabet` with the CSPRNG, for device
 * ids, session ids, tokens and opaque id parts. `randomInt` avoids the modulo bias of
 * `randomBytes(n)[i] % alphabet.length`.
 */
export function randomString(length: number, alphabet: string = ALPHANUMERIC): string {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`Invalid random string length ${length}`);
  }
  const symbols = Array.from(alphabet);
  if (symbols.length === 0) throw new RangeError('Alphabet is empty');
  let out = '';
  for (let i = 0; i < length; i++) out += symbols[randomInt(symbols.length)];
  return out;
}
