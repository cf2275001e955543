import { MatrixError } from '@chat/protocol';
import { REPLICATION_PREFIX, type ReplicationEndpointSpec } from './replication-endpoint';

/** `<prefix>/<name>/<args…>[/<txn_id>]`, each argument URL-encoded (§6.1). */
export function replicationPath(
  spec: ReplicationEndpointSpec<string, object, object>,
  args: Readonly<Record<string, string>>,
  txnId?: string,
): string {
  const segments = spec.pathArgs.map((name) => {
    const value = args[name];
    if (typeof value !== 'string' || value === '') {
      throw new Error(`replication endpoint ${spec.name} needs a non-empty ${name}`);
    }
    return encodeURIComponent(value);
  });
  if (spec.cacheable) {
    if (!txnId)
      throw new Error(`replication endpoint ${spec.name} is cacheable: it needs a txn id`);
    segments.push(encodeURIComponent(txnId));
  }
  return [REPLICATION_PREFIX, spec.name, ...segments].join('/');
}

/** The endpoint name and the still-encoded segments after it; null outside the prefix. */
export function splitReplicationPath(path: string): { name: string; segments: string[] } | null {
  if (!path.startsWith(`${REPLICATION_PREFIX}/`)) return null;
  const [name, ...segments] = path.slice(REPLICATION_PREFIX.length + 1).split('/');
  return { name, segments };
}

export interface ParsedPathArgs {
  args: Record<string, string>;
  txnId?: string;
}

/**
 * The named arguments (decoded) and txn id of a request. A path with the wrong number of
 * segments, or an empty one, matches no route (404 M_UNRECOGNIZED, as in Synapse); a segment
 * that is not valid percent-encoding is a bad parameter.
 */
export function parsePathArgs(
  spec: ReplicationEndpointSpec<string, object, object>,
  segments: readonly string[],
): ParsedPathArgs {
  const expected = spec.pathArgs.length + (spec.cacheable ? 1 : 0);
  if (segments.length !== expected || segments.some((segment) => segment === '')) {
    throw MatrixError.unrecognized();
  }
  const decoded = segments.map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw MatrixError.invalidParam(`Malformed path segment for ${spec.name}`);
    }
  });
  const args = Object.fromEntries(spec.pathArgs.map((name, i) => [name, decoded[i]]));
  return spec.cacheable ? { args, txnId: decoded[spec.pathArgs.length] } : { args };
}
