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
