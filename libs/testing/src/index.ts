export * from './lib/openapi-validator';
export * from './lib/validating-fetch';
export * from './lib/free-port';
export * from './lib/server-process';
export * from './lib/shared-secret-registration';
export * from './lib/test-database';
export * from './lib/child-process';
export * from './lib/spec-checked-request';
