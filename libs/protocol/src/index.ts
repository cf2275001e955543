export * from './lib/matrix-error';
export * from './lib/canonical-json';
export * from './lib/base64';
export * from './lib/signing';
export * from './lib/identifiers';
export * from './lib/random';
