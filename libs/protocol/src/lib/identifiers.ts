import { isWellFormedString } from './canonical-json';
import { MatrixError } from './matrix-error';

/** Spec limit on user ids, room ids, aliases and event ids, in UTF-8 bytes. */
export const MAX_ID_BYTES = 255;

export interface ServerName {
  /** DNS name, dotted-quad IPv4, or bracketed IPv6 literal (brackets kept). */
  hostname: string;
  port: number | null;
}

export interface UserId {
  localpart: string;
  serverName: string;
}

export interface RoomAlias {
  localpart: string;
  serverName: string;
}

/** Room ids (and event ids) of v1–v11 / v1–v2 carry a server name; later ones are hashes. */
export interface OpaqueId {
  opaque: string;
  serverName: string | null;
}

const DNS_LABEL = /^[A-Za-z0-9-]+$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const PORT = /^\d{1,5}$/;
const MAX_DNS_NAME_LENGTH = 255;
const NEW_LOCALPART = /^[a-z0-9._=/+-]+$/;
const MAPPED_AS_IS = /^[a-z0-9._/+-]$/;
// v3+ event ids and v12 room ids: `$`/`!` + 43 characters of (standard or URL-safe) base64.
const HASH_ID = /^[A-Za-z0-9+/_-]{43}$/;
const URL_SAFE_HASH_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * Splits `host[:port]` (spec appendices#server-name). Stricter than the bare grammar in one way:
 * a name whose last label is numeric must be a real dotted quad, so nothing that a resolver
 * would read as an IP address slips through as a "hostname" (`1.2.3`, `999.1.1.1`).
 */
export function parseServerName(name: unknown): ServerName | null {
  if (typeof name !== 'string') return null;
  let hostname: string;
  let portText: string | undefined;
  if (name.startsWith('[')) {
    const close = name.indexOf(']');
    if (close < 0 || !isIpv6(name.slice(1, close))) return null;
    hostname = name.slice(0, close + 1);
    const rest = name.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return null;
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = name.indexOf(':');
    hostname = colon < 0 ? name : name.slice(0, colon);
    portText = colon < 0 ? undefined : name.slice(colon + 1);
    if (!isIpv4(hostname) && !isDnsName(hostname)) return null;
  }
  if (portText === undefined) return { hostname, port: null };
  const port = Number(portText);
  return PORT.test(portText) && port <= 65535 ? { hostname, port } : null;
}

export function isValidServerName(name: unknown): boolean {
  return parseServerName(name) !== null;
}

function isIpv4(text: string): boolean {
  const match = IPV4.exec(text);
  return match !== null && match.slice(1).every((octet) => Number(octet) <= 255);
}

function isDnsName(text: string): boolean {
  if (text.length === 0 || text.length > MAX_DNS_NAME_LENGTH) return false;
  const labels = text.split('.');
  return labels.every((label) => DNS_LABEL.test(label)) && !/^\d+$/.test(labels[labels.length - 1]);
}

function isIpv6(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  const last = groups[groups.length - 1];
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) fills the last two 16-bit groups.
  const ipv4Tail = last !== undefined && last.includes('.');
  if (ipv4Tail && !isIpv4(last)) return false;
  const hexGroups = ipv4Tail ? groups.slice(0, -1) : groups;
  if (!hexGroups.every((group) => IPV6_GROUP.test(group))) return false;
  const width = hexGroups.length + (ipv4Tail ? 2 : 0);
  return halves.length === 2 ? width <= 7 : width === 8;
}

/**
 * Splits `<sigil><local>:<server name>` at the FIRST colon (server names may contain colons:
 * `@alice:[::1]:8448`). Checks the byte limit, the server name, and that the local part has no
 * NUL or lone surrogate. Returns null when the sigil or colon is missing or anything is invalid.
 */
function splitId(id: unknown, sigil: string): { local: string; serverName: string } | null {
  if (typeof id !== 'string' || !id.startsWith(sigil) || !withinIdLimit(id)) return null;
  const colon = id.indexOf(':');
  if (colon < 0) return null;
  const local = id.slice(sigil.length, colon);
  const serverName = id.slice(colon + 1);
  if (!isValidHistoricalLocalpart(local) || !isValidServerName(serverName)) return null;
  return { local, serverName };
}

function withinIdLimit(id: string): boolean {
  return Buffer.byteLength(id, 'utf8') <= MAX_ID_BYTES;
}

/**
 * Parses a user id, accepting historical localparts (anything but `:` and NUL, even empty), as
 * events from other servers may carry them. Use {@link isValidLocalpart} for new users.
 */
export function parseUserId(id: unknown): UserId | null {
  const parts = splitId(id, '@');
  return parts && { localpart: parts.local, serverName: parts.serverName };
}

/** {@link parseUserId} for request input: throws `400 M_INVALID_PARAM`. */
export function parseUserIdOrThrow(id: unknown): UserId {
  const parsed = parseUserId(id);
  if (!parsed) throw MatrixError.invalidParam(`Invalid user id: ${JSON.stringify(id) ?? 'none'}`);
  return parsed;
}

export function parseRoomAlias(alias: unknown): RoomAlias | null {
  const parts = splitId(alias, '#');
  return parts && parts.local !== ''
    ? { localpart: parts.local, serverName: parts.serverName }
    : null;
}

/** `!opaque:server` (room versions 1–11) or `!` + URL-safe reference hash (v12, no server). */
export function parseRoomId(id: unknown): OpaqueId | null {
  return parseOpaqueId(id, '!', URL_SAFE_HASH_ID);
}

/** `$opaque:server` (room versions 1–2) or `$` + reference hash (v3 standard, v4+ URL-safe). */
export function parseEventId(id: unknown): OpaqueId | null {
  return parseOpaqueId(id, '$', HASH_ID);
}

function parseOpaqueId(id: unknown, sigil: string, hashForm: RegExp): OpaqueId | null {
  if (typeof id !== 'string') return null;
  if (!id.includes(':')) {
    const opaque = id.slice(sigil.length);
    return id.startsWith(sigil) && hashForm.test(opaque) ? { opaque, serverName: null } : null;
  }
  const parts = splitId(id, sigil);
  return parts && parts.local !== '' ? { opaque: parts.local, serverName: parts.serverName } : null;
}

/** Whether a new user may be registered with this localpart on `serverName`. */
export function isValidLocalpart(localpart: string, serverName: string): boolean {
  return NEW_LOCALPART.test(localpart) && withinIdLimit(makeUserId(localpart, serverName));
}

/** The historical grammar accepted from federation: any code points except `:` and NUL. */
export function isValidHistoricalLocalpart(localpart: string): boolean {
  return !/[:\0]/.test(localpart) && isWellFormedString(localpart);
}

/**
 * The spec's suggested mapping of an arbitrary username onto the new-localpart alphabet:
 * `A-Z` lower-cased, every other UTF-8 byte outside `[a-z0-9._/+-]` (and `=`) written `=xx`.
 * `casePreserving` (for bridges) instead writes upper-case as `_x` and `_` as `__`.
 */
export function mapUsernameToLocalpart(
  username: string,
  options: { casePreserving?: boolean } = {},
): string {
  let out = '';
  for (const byte of Buffer.from(username, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (char >= 'A' && char <= 'Z') {
      out += (options.casePreserving ? '_' : '') + char.toLowerCase();
    } else if (char === '_' && options.casePreserving) {
      out += '__';
    } else if (MAPPED_AS_IS.test(char)) {
      out += char;
    } else {
      out += `=${byte.toString(16).padStart(2, '0')}`;
    }
  }
  return out;
}

/** Joins a localpart and server name; validate the localpart first for new users. */
export function makeUserId(localpart: string, serverName: string): string {
  return `@${localpart}:${serverName}`;
}
