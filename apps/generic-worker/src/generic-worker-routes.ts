import { instanceName, type HomeserverConfig, type StreamWriterName } from '@chat/config';
import { routesOwnedBy, type RouteOwnership } from '@chat/platform';

/**
 * The public routes a generic worker answers: the endpoint table's generic-worker rows, plus the
 * rows of every stream `stream_writers` names this worker for (a push_rules writer takes the
 * `pushrules` writes the proxy sends it). Everything else belongs to main or another worker.
 */
export function genericWorkerRoutes(config: HomeserverConfig): RouteOwnership {
  const name = instanceName(config);
  const streams = (Object.keys(config.streamWriters) as StreamWriterName[]).filter((stream) =>
    config.streamWriters[stream].includes(name),
  );
  return routesOwnedBy(
    ['generic_worker', ...streams.map((stream) => `writer:${stream}` as const)],
    { usePresence: config.usePresence },
  );
}
