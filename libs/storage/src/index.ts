export * from './lib/ports';
