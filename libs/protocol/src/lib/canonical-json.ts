import { MatrixError } from './matrix-error';

/**
 * Raised when a value has no canonical JSON form (float, unsafe integer, lone surrogate, non-JSON
 * type, cycle). It is a `400 M_BAD_JSON` MatrixError so that it reaches a client as the spec's
 * error without any mapping, while callers can still catch this class specifically.
 */
export class CanonicalJsonError extends MatrixError {
  constructor(message: string) {
    super(400, 'M_BAD_JSON', message);
    this.name = 'CanonicalJsonError';
  }
}

// In `u` mode a well-formed surrogate pair is one code point, so this only matches lone halves.
const LONE_SURROGATE = /\p{Cs}/u;

/** True if the string is valid Unicode text (has a UTF-8 form): no unpaired UTF-16 surrogates. */
export function isWellFormedString(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * Orders well-formed strings by Unicode code point (equivalently by their UTF-8 bytes).
 * Plain `<` compares UTF-16 code units, which puts astral characters (D800–DFFF) before
 * U+E000–U+FFFF; lifting surrogates above that range fixes it without decoding.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/**
 * Matrix canonical JSON (spec appendices#canonical-json): keys sorted by code point, no
 * whitespace, integers in ±(2^53−1) only. Object properties whose value is `undefined` are
 * omitted (as `JSON.stringify` does); anything else that is not plain JSON data throws
 * {@link CanonicalJsonError}.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, new Set());
}

/** The UTF-8 bytes of {@link canonicalJson}: what gets hashed and signed. */
export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

function encode(value: unknown, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalJsonError(`Number ${value} is not an integer in ±(2^53-1)`);
      }
      // String(-0) is "0", which is what the spec wants.
      return String(value);
    case 'object':
      if (value === null) return 'null';
      if (ancestors.has(value)) throw new CanonicalJsonError('Value contains a cycle');
      ancestors.add(value);
      try {
        return Array.isArray(value)
          ? encodeArray(value, ancestors)
          : encodeObject(value, ancestors);
      } finally {
        ancestors.delete(value);
      }
    default:
      throw new CanonicalJsonError(`A ${typeof value} has no JSON form`);
  }
}

function encodeString(text: string): string {
  if (!isWellFormedString(text)) throw new CanonicalJsonError('String contains a lone surrogate');
  // JSON.stringify already matches the canonical escapes (lower-case \u00xx, raw non-ASCII).
  return JSON.stringify(text);
}

function encodeArray(items: unknown[], ancestors: Set<object>): string {
  const parts: string[] = [];
  for (const item of items) {
    if (item === undefined) throw new CanonicalJsonError('Array contains undefined');
    parts.push(encode(item, ancestors));
  }
  return `[${parts.join(',')}]`;
}

function encodeObject(object: object, ancestors: Set<object>): string {
  const prototype: unknown = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new CanonicalJsonError('Only plain objects have a canonical JSON form');
  }
  const record = object as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort(compareCodePoints)) {
    const member = record[key];
    if (member !== undefined) parts.push(`${encodeString(key)}:${encode(member, ancestors)}`);
  }
  return `{${parts.join(',')}}`;
}
