export * from './replication-endpoint';
export {
  ReplicationEndpointRegistry,
  type RegisteredEndpoint,
} from './replication-endpoint.registry';
export { ServesReplicationEndpoint } from './replication-endpoint.decorator';
export {
  POSITION_WAIT_MS,
  REQUEST_TIMEOUT_MS,
  RESPONSE_CACHE_MS,
  type ReplicationHttpOptions,
} from './replication-http.settings';
export { RETRY_TIMING, type RetryTiming } from './replication-retry.policy';
export { ReplicationClient, type ReplicationCallOptions } from './replication.client';
export { LocalStreamPositions } from './stream-positions';
export {
  GET_REPL_STREAM_UPDATES,
  writerHttpSource,
  type StreamUpdatesQuery,
  type StreamUpdatesReply,
} from './stream-updates.endpoint';
export { ReplicationHttpModule } from './replication-http.module';
