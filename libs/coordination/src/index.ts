export * from './lib/coordination.module';
export * from './lib/replicated-rows.applier';
export * from './lib/replication-process';
export * from './lib/event-persisters';
export * from './lib/stream-writes';
export * from './lib/typing.stream';
export * from './lib/user-sync.relay';
export * from './lib/topology-watch';
