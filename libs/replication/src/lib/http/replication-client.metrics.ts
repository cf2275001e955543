import { Counter } from 'prom-client';

let attempts: Counter<'endpoint' | 'result'> | undefined;

/**
 * `chat_replication_client_attempts_total{endpoint,result}`: every attempt a caller made, by
 * HTTP status or by how it failed (`timeout`, `connect`, `other`). Retries show up as more
 * than one attempt per call. One counter per process, however many apps it boots.
 */
export function replicationAttempts(): Counter<'endpoint' | 'result'> {
  attempts ??= new Counter({
    name: 'chat_replication_client_attempts_total',
    help: 'HTTP replication attempts by endpoint and status or failure',
    labelNames: ['endpoint', 'result'],
  });
  return attempts;
}
