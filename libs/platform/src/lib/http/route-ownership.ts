import { MatrixError } from '@chat/protocol';
import {
  PUBLIC_PATTERNS,
  patternMatches,
  routeFor,
  type RouteEntry,
  type RouteOwner,
} from '@chat/routing';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

import { writeMatrixError } from './error-response';

/**
 * Whether this process answers a public request. `path` is canonical (`canonicalApiPath` has
 * run) and has no query. Main has none: it answers every route. A worker answers only what the
 * reverse proxy sends it, so that a misrouted request fails loudly instead of being served by a
 * process that does not hold the state or the duty behind it.
 */
export type RouteOwnership = (method: string, path: string) => boolean;

/**
 * Paths on the public surface (the endpoint table's main rows). Everything else — `/health`,
 * `/metrics`, the replication API (kept to replication listeners by `ListenerResourceGuard`) — is
 * not a route the proxy hands out, so ownership does not apply to it.
 */
export function isPublicPath(path: string): boolean {
  return PUBLIC_PATTERNS.some((pattern) => patternMatches(pattern, path));
}

/**
 * The public routes the endpoint table gives to `owners`, read with `routeFor` itself. Rows of
 * owners not in the list are taken as absent from the deployment (as `routeIn` does for owners
 * without a process): where such a row shadows a row of ours, the request falls through to ours.
 * That is how a generic worker still answers `devices` or `user_directory/search` when no
 * device-list writer or user_dir worker exists, which is when the proxy sends them to it.
 */
export function routesOwnedBy(
  owners: readonly RouteOwner[],
  options: { usePresence: boolean },
): RouteOwnership {
  const ours = new Set<RouteOwner>(owners);
  const present = (entry: RouteEntry): boolean =>
    (ours.has(entry.owner) || entry.owner === 'main') &&
    !(entry.onlyWithoutPresence && options.usePresence);
  return (method, path) => {
    const owner = routeFor(method, path, present)?.owner;
    return owner !== undefined && ours.has(owner);
  };
}

/**
 * Answers 404 M_UNRECOGNIZED — what main answers for a path it has no route for — to public
 * requests this process does not own, before any body is read or routing is tried.
 */
export function routeOwnershipMiddleware(owns: RouteOwnership): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const { path } = req;
    if (isPublicPath(path) && !owns(req.method, path)) {
      writeMatrixError(res, MatrixError.unrecognized());
      return;
    }
    next();
  };
}
