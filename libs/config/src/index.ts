export * from './lib/homeserver-config';
export * from './lib/config.error';
export * from './lib/config.loader';
export * from './lib/default-config.renderer';
export * from './lib/worker-apps';
export {
  DEFAULT_MAX_REQUEST_BODY_SIZE,
  DEFAULT_PORT,
  MULTI_WRITER_STREAMS,
  RATE_LIMIT_DEFAULTS,
} from './lib/config.defaults';
export * from './lib/generate-config';
export * from './lib/topology';
