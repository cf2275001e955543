/**
 * The one list of path prefixes and version segments every endpoint answers under. The router
 * (controllers) and, later, the reverse-proxy config generator both read it, so a path that a
 * worker serves is never missing from the proxy, or the other way round.
 */

/** Canonical prefix first; `/_matrix` lets unmodified Matrix clients and servers talk to us. */
export const API_PREFIXES = ['/chat', '/_matrix'] as const;

/** Server-specific APIs (admin, SSO pages, replication) have one prefix only. */
export const SERVER_PREFIX = '/_chat';

/**
 * Version segments per endpoint family. `legacy` endpoints go back to the seed's `api/v1` and
 * `r0`; `current` endpoints were introduced in r0 and live on in v3; `unversioned` is for paths
 * such as `/client/versions`.
 */
export const CLIENT_VERSIONS = {
  legacy: ['api/v1', 'r0', 'v3', 'unstable'],
  current: ['r0', 'v3', 'unstable'],
  v1: ['v1', 'unstable'],
  unversioned: [''],
} as const;

export type ClientVersionSet = keyof typeof CLIENT_VERSIONS;

/** Every concrete path for a client endpoint, e.g. `clientPaths('current', 'account/whoami')`. */
export function clientPaths(versions: ClientVersionSet, path: string): string[] {
  return API_PREFIXES.flatMap((prefix) =>
    CLIENT_VERSIONS[versions].map((version) =>
      version ? `${prefix}/client/${version}/${path}` : `${prefix}/client/${path}`,
    ),
  );
}

/** A server-specific path such as `/_chat/admin/v1/register`. */
export function serverPath(path: string): string {
  return `${SERVER_PREFIX}/${path}`;
}

/** The prefix every route is registered under; the other spellings are rewritten to it. */
const CANONICAL_PREFIX = API_PREFIXES[0];
/** `r0` means `v3` wherever it is accepted (every set that has one has the other). */
const FOLDED_VERSION = 'r0';

/**
 * The paths a controller registers for a client endpoint: one prefix and no `r0`, because
 * `canonicalApiPath` rewrites `/_matrix` and `r0` before routing. Express tries routes one by one,
 * so every spelling registered separately would make each request pay for all of them.
 */
export function clientRoutes(versions: ClientVersionSet, path: string): string[] {
  return CLIENT_VERSIONS[versions]
    .filter((version) => version !== FOLDED_VERSION)
    .map((version) =>
      version
        ? `${CANONICAL_PREFIX}/client/${version}/${path}`
        : `${CANONICAL_PREFIX}/client/${path}`,
    );
}

/**
 * Rewrites a request path (with its query) from any of its public spellings (`clientPaths`) to
 * the one `clientRoutes` registers: `/_matrix/…` to `/chat/…`, and `client/r0/` to `client/v3/`.
 */
export function canonicalApiPath(url: string): string {
  let out = url;
  for (const prefix of API_PREFIXES) {
    if (prefix !== CANONICAL_PREFIX && out.startsWith(`${prefix}/`)) {
      out = CANONICAL_PREFIX + out.slice(prefix.length);
    }
  }
  const folded = `${CANONICAL_PREFIX}/client/${FOLDED_VERSION}/`;
  return out.startsWith(folded) ? `${CANONICAL_PREFIX}/client/v3/${out.slice(folded.length)}` : out;
}
