/** DI token for the process's `HomeserverConfig` value. */
export const HOMESERVER_CONFIG = Symbol('HOMESERVER_CONFIG');

/** DI token for the process's pino logger (the one `bootstrapHttp` and the exception filter use). */
export const LOGGER = Symbol('LOGGER');

/**
 * DI token for an optional Nest transport strategy (the replication bus in worker mode):
 * `bootstrapHttp` connects it as the app's microservice when a module provides it.
 */
export const BUS_TRANSPORT_STRATEGY = Symbol('BUS_TRANSPORT_STRATEGY');
