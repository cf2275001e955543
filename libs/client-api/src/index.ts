export * from './lib/client-api.module';
export * from './lib/discovery/discovery.controller';
