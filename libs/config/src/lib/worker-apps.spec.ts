import { parseConfig } from './config.loader';
import {
  WORKER_APPS,
  canonicalWorkerApp,
  checkWorkerApp,
  expectedWorkerApp,
  workerAppProblem,
} from './worker-apps';

const SHARED = {
  server_name: 'example.com',
  database: { name: 'psycopg2', args: { database: 'chat' } },
  redis: { enabled: true },
  instance_map: { main: { host: '127.0.0.1', port: 9093 } },
  start_pushers: false,
};

function configFor(workerApp?: string) {
  const worker = workerApp === undefined ? {} : { worker_app: workerApp, worker_name: 'w1' };
  return parseConfig([
    { path: 'homeserver.yaml', values: SHARED },
    { path: 'worker.yaml', values: worker },
  ]).config;
}

describe('worker apps', () => {
  it('maps each app binary to its worker_app and back', () => {
    expect(expectedWorkerApp('main')).toBeUndefined();
    expect(expectedWorkerApp('generic-worker')).toBe('chat.app.generic_worker');
    expect(expectedWorkerApp('frontend-proxy')).toBe('chat.app.frontend_proxy');
    expect(Object.keys(WORKER_APPS)).toEqual([
      'generic-worker',
      'pusher',
      'appservice',
      'federation-sender',
      'media-repository',
      'user-dir',
      'frontend-proxy',
    ]);
  });

  it('accepts the matching app', () => {
    expect(checkWorkerApp(configFor(), 'main')).toBeUndefined();
    expect(checkWorkerApp(configFor('chat.app.pusher'), 'pusher')).toBeUndefined();
    // A historical app is a generic worker by the time the app checks it.
    expect(checkWorkerApp(configFor('chat.app.synchrotron'), 'generic-worker')).toBeUndefined();
  });

  it('reports a worker_app that does not match the app started', () => {
    expect(checkWorkerApp(configFor('chat.app.pusher'), 'generic-worker')).toEqual({
      file: 'worker.yaml',
      key: 'worker_app',
      expected: 'chat.app.generic_worker for the generic-worker app (found chat.app.pusher)',
    });
    expect(checkWorkerApp(configFor(), 'pusher')).toEqual({
      file: 'worker.yaml',
      key: 'worker_app',
      expected: 'chat.app.pusher for the pusher app (found none)',
    });
    expect(checkWorkerApp(configFor('chat.app.generic_worker'), 'main')).toEqual({
      file: 'worker.yaml',
      key: 'worker_app',
      expected:
        "no worker_app for the main app (found chat.app.generic_worker); start that worker's app instead",
    });
  });

  it('reads seed-era app names as the generic worker', () => {
    for (const name of [
      'chat.app.synchrotron',
      'chat.app.client_reader',
      'chat.app.event_creator',
      'chat.app.federation_reader',
    ]) {
      expect(canonicalWorkerApp(name)).toBe('chat.app.generic_worker');
    }
    expect(canonicalWorkerApp('chat.app.pusher')).toBe('chat.app.pusher');
  });

  it('checks a raw worker_app value against the app started', () => {
    expect(workerAppProblem('chat.app.generic_worker', 'generic-worker', 'w.yaml')).toBeUndefined();
    expect(workerAppProblem(undefined, 'main', 'hs.yaml')).toBeUndefined();
    expect(workerAppProblem('chat.app.pusher', 'generic-worker', 'w.yaml')).toEqual({
      file: 'w.yaml',
      key: 'worker_app',
      expected: 'chat.app.generic_worker for the generic-worker app (found chat.app.pusher)',
    });
  });
});
