export * from './lib/client-versions';
