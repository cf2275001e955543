import type { StreamWriterName } from '@chat/config';

/** Where every replication endpoint lives (§6.1); served only on `replication` listeners. */
export const REPLICATION_PREFIX = '/_chat/replication';

/** The body key that carries stream positions, caller → server and back (§6.3). */
export const STREAM_POSITIONS_KEY = '_INT_STREAM_POS';

export type ReplicationMethod = 'POST' | 'PUT' | 'GET';

/** Where an endpoint may run: on main, on a writer of one stream, or on any instance. */
export type EndpointPlacement = 'main' | 'any' | `writer:${StreamWriterName}`;

export type JsonObject = Record<string, unknown>;

/**
 * What caller and server agree on about one endpoint. Callers import it to call the endpoint;
 * the instance that serves it pairs it with a handler. `Body` and `Result` type both sides.
 */
export interface ReplicationEndpointSpec<
  PathArg extends string = string,
  Body extends object = JsonObject,
  Result extends object = JsonObject,
> {
  /** The path's first segment, `[a-z0-9_]+`. */
  readonly name: string;
  /** Named path segments after the name, in order, URL-encoded on the wire. */
  readonly pathArgs: readonly PathArg[];
  /** A GET's body travels as query parameters, so its handler receives strings. */
  readonly method: ReplicationMethod;
  /** A txn id ends the path and the server answers a repeated one from its response cache. */
  readonly cacheable: boolean;
  /** Positions piggyback both ways (§6.3); off for endpoints used while catching up. */
  readonly waitForStreams: boolean;
  readonly onlyOn: EndpointPlacement;
  readonly retryOnTimeout: boolean;
  readonly retryOnConnectError: boolean;
  /** Never set: carries `Body` and `Result` from the spec to calls and handlers. */
  readonly types?: { body: Body; result: Result };
}

export interface ReplicationEndpointDefinition<PathArg extends string> {
  name: string;
  pathArgs?: readonly PathArg[];
  /** Default POST. */
  method?: ReplicationMethod;
  /** Default true. */
  cacheable?: boolean;
  /** Default true. */
  waitForStreams?: boolean;
  onlyOn: EndpointPlacement;
  /** Default true: retry a timed-out request every second (§6.4). */
  retryOnTimeout?: boolean;
  /** Default true: retry a refused connection with exponential back-off (§6.4). */
  retryOnConnectError?: boolean;
}

const ENDPOINT_NAME = /^[a-z0-9_]+$/;

/** An endpoint spec with §6's defaults; a malformed definition is a programming error. */
export function replicationEndpoint<
  PathArg extends string = never,
  Body extends object = JsonObject,
  Result extends object = JsonObject,
>(
  definition: ReplicationEndpointDefinition<PathArg>,
): ReplicationEndpointSpec<PathArg, Body, Result> {
  const pathArgs = definition.pathArgs ?? [];
  if (!ENDPOINT_NAME.test(definition.name)) {
    throw new Error(`replication endpoint name "${definition.name}" is not [a-z0-9_]+`);
  }
  if (new Set(pathArgs).size !== pathArgs.length) {
    throw new Error(`replication endpoint ${definition.name} names a path argument twice`);
  }
  return {
    name: definition.name,
    pathArgs,
    method: definition.method ?? 'POST',
    cacheable: definition.cacheable ?? true,
    waitForStreams: definition.waitForStreams ?? true,
    onlyOn: definition.onlyOn,
    retryOnTimeout: definition.retryOnTimeout ?? true,
    retryOnConnectError: definition.retryOnConnectError ?? true,
  };
}

/** Whether `instance` may serve an endpoint placed `onlyOn`, given the configured writers. */
export function servesPlacement(
  onlyOn: EndpointPlacement,
  instance: string,
  streamWriters: Readonly<Record<StreamWriterName, readonly string[]>>,
): boolean {
  if (onlyOn === 'any') return true;
  if (onlyOn === 'main') return instance === 'main';
  const stream = onlyOn.slice('writer:'.length) as StreamWriterName;
  return streamWriters[stream]?.includes(instance) ?? false;
}

/** What the server knows about the request beyond its arguments and body. */
export interface ReplicationRequestContext {
  /** The calling instance, when it sent its stream positions. */
  caller?: string;
  /** The call's txn id, on cacheable endpoints. */
  txnId?: string;
}

export interface ReplicationReply<Result extends object = JsonObject> {
  /** Default 200. */
  status?: number;
  body: Result;
}

export type ReplicationHandler<
  PathArg extends string = string,
  Body extends object = JsonObject,
  Result extends object = JsonObject,
> = (
  args: Readonly<Record<PathArg, string>>,
  body: Body,
  context: ReplicationRequestContext,
) => Promise<ReplicationReply<Result>>;
