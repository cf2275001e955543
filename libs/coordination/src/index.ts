export * from './lib/coordination.module';
export * from './lib/replicated-rows.applier';
export * from './lib/replication-process';
export * from './lib/event-persisters';
