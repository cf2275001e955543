import { collectDefaultMetrics, Counter, Histogram, register } from 'prom-client';

export interface HttpMetrics {
  requests: Counter<'method' | 'endpoint' | 'status'>;
  duration: Histogram<'method' | 'endpoint'>;
}

let metrics: HttpMetrics | undefined;

/**
 * The process's HTTP metrics in prom-client's default registry, created with the default
 * process metrics (CPU, memory, event-loop lag) on first use: once per process, however many
 * apps it boots.
 */
export function httpMetrics(): HttpMetrics {
  if (!metrics) {
    collectDefaultMetrics();
    metrics = {
      requests: new Counter({
        name: 'chat_http_requests_total',
        help: 'HTTP requests answered, by route pattern and status',
        labelNames: ['method', 'endpoint', 'status'],
      }),
      duration: new Histogram({
        name: 'chat_http_request_duration_seconds',
        help: 'Time to answer HTTP requests, by route pattern',
        labelNames: ['method', 'endpoint'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      }),
    };
  }
  return metrics;
}

export { register as metricsRegistry };
