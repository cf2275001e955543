import type { ConfigProblem } from './config.error';
import type { HomeserverConfig } from './homeserver-config';

/** App binary (`apps/<name>`) → the `worker_app` its config must carry. */
export const WORKER_APPS = {
  'generic-worker': 'chat.app.generic_worker',
  pusher: 'chat.app.pusher',
  appservice: 'chat.app.appservice',
  'federation-sender': 'chat.app.federation_sender',
  'media-repository': 'chat.app.media_repository',
  'user-dir': 'chat.app.user_dir',
  'frontend-proxy': 'chat.app.frontend_proxy',
} as const;

export type WorkerAppName = keyof typeof WORKER_APPS;
export type AppName = 'main' | WorkerAppName;
export type WorkerApp = (typeof WORKER_APPS)[WorkerAppName];

/** Seed-era apps folded into the generic worker; accepted with a deprecation warning. */
export const HISTORICAL_WORKER_APPS: readonly string[] = [
  'chat.app.synchrotron',
  'chat.app.client_reader',
  'chat.app.event_creator',
  'chat.app.federation_reader',
];

/**
 * Seed-era apps that take a duty away from main: the shared config must switch main's legacy
 * option off first, or both processes would do the work.
 */
export const LEGACY_DUTY_OPTIONS: ReadonlyArray<{
  app: WorkerApp;
  key: string;
  property:
    | 'startPushers'
    | 'notifyAppservices'
    | 'sendFederation'
    | 'enableMediaRepo'
    | 'updateUserDirectory';
}> = [
  { app: 'chat.app.pusher', key: 'start_pushers', property: 'startPushers' },
  { app: 'chat.app.appservice', key: 'notify_appservices', property: 'notifyAppservices' },
  { app: 'chat.app.federation_sender', key: 'send_federation', property: 'sendFederation' },
  { app: 'chat.app.media_repository', key: 'enable_media_repo', property: 'enableMediaRepo' },
  { app: 'chat.app.user_dir', key: 'update_user_directory', property: 'updateUserDirectory' },
];

export function isWorkerApp(value: string): value is WorkerApp {
  return (Object.values(WORKER_APPS) as string[]).includes(value);
}

/** The `worker_app` an app binary expects; none for `main`. */
export function expectedWorkerApp(app: AppName): WorkerApp | undefined {
  return app === 'main' ? undefined : WORKER_APPS[app];
}

/** The `worker_app` a value starts: seed-era names are the generic worker. */
export function canonicalWorkerApp(workerApp: string): string {
  return HISTORICAL_WORKER_APPS.includes(workerApp) ? WORKER_APPS['generic-worker'] : workerApp;
}

/**
 * A problem when `workerApp` (canonical, or undefined for none) is not the one `app` runs;
 * `file` is the config file it is reported against.
 */
export function workerAppProblem(
  workerApp: string | undefined,
  app: AppName,
  file: string,
): ConfigProblem | undefined {
  const expected = expectedWorkerApp(app);
  if (workerApp === expected) return undefined;
  const found = workerApp ?? 'none';
  return {
    file,
    key: 'worker_app',
    expected:
      expected === undefined
        ? `no worker_app for the main app (found ${found}); start that worker's app instead`
        : `${expected} for the ${app} app (found ${found})`,
  };
}

/** A problem when the config was written for a different app than the one started. */
export function checkWorkerApp(config: HomeserverConfig, app: AppName): ConfigProblem | undefined {
  const file = config.configPaths[config.configPaths.length - 1] ?? '';
  return workerAppProblem(config.workerApp, app, file);
}
