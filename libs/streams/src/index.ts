export * from './lib/stream-names';
export * from './lib/sharding';
export * from './lib/id-generator/id-generator.ports';
export * from './lib/id-generator/in-memory';
export * from './lib/id-generator/multi-writer-id-generator';
export * from './lib/tokens/token-error';
export {
  type InstanceIdLookup,
  type InstanceNameLookup,
  isRowInRange,
  LEGACY_ROW_WRITER,
  MultiWriterToken,
} from './lib/tokens/multi-writer-token';
export * from './lib/tokens/multi-writer-stream-token';
export * from './lib/tokens/room-stream-token';
export * from './lib/tokens/stream-token';
export * from './lib/notifier/notifier-clock';
export * from './lib/notifier/notifier';
export * from './lib/stream-change-cache';
