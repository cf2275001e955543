export * from './lib/matrix-error';
