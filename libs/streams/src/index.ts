export * from './lib/stream-names';
export * from './lib/sharding';
export * from './lib/id-generator/id-generator.ports';
export * from './lib/id-generator/in-memory';
export * from './lib/id-generator/multi-writer-id-generator';
