import {
  API_PREFIXES,
  CLIENT_VERSIONS,
  type ClientVersionSet,
  SERVER_PREFIX,
} from './client-versions';

/**
 * Builders for the endpoint table's path patterns. Each endpoint is written once over its
 * canonical path and widened here to every public spelling (`API_PREFIXES`, `CLIENT_VERSIONS`),
 * so the proxy matches exactly the paths the router answers. The output is a regex source that
 * JavaScript, nginx (PCRE) and HAProxy (PCRE2) read the same way: anchored with `^`, only
 * non-capturing groups (a capture would shadow nginx's `$1`), no flags.
 */

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function alternatives(options: readonly string[]): string {
  const escaped = options.map(escapeRegex);
  return escaped.length === 1 ? escaped[0] : `(?:${escaped.join('|')})`;
}

/** `^(?:/chat|/_matrix)`: every surface answers under both prefixes. */
const API_PREFIX = `^${alternatives(API_PREFIXES)}`;

/**
 * A client-server endpoint: `rest` (a regex fragment after the version segment) under every
 * prefix and every version of `versions`, e.g. `clientPattern('legacy', 'login$')`.
 */
export function clientPattern(versions: ClientVersionSet, rest: string): string {
  const segments = CLIENT_VERSIONS[versions].filter((version) => version !== '');
  const version = segments.length === 0 ? '' : `${alternatives(segments)}/`;
  return `${API_PREFIX}/client/${version}${rest}`;
}

/** A federation endpoint under the given federation API versions, e.g. `(['v1', 'v2'], 'invite/')`. */
export function federationPattern(versions: readonly string[], rest: string): string {
  return `${API_PREFIX}/federation/${alternatives(versions)}/${rest}`;
}

/** Any other surface under both prefixes: `apiPattern('media/')`, `apiPattern('key/v2/query')`. */
export function apiPattern(rest: string): string {
  return `${API_PREFIX}/${rest}`;
}

/** A server-specific path (admin API, SSO pages), which has the one prefix `/_chat`. */
export function serverPattern(rest: string): string {
  return `^${escapeRegex(SERVER_PREFIX)}/${rest}`;
}

/**
 * Where the internal HTTP replication API lives. It has no authentication of its own beyond the
 * shared secret and must never be reachable through the public proxy (replication.md §2.12).
 */
export const REPLICATION_PATH_PREFIX = `${SERVER_PREFIX}/replication`;
