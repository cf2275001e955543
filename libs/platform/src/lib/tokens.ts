/** DI token for the process's `HomeserverConfig` value. */
export const HOMESERVER_CONFIG = Symbol('HOMESERVER_CONFIG');

/** DI token for the process's pino logger (the one `bootstrapHttp` and the exception filter use). */
export const LOGGER = Symbol('LOGGER');
