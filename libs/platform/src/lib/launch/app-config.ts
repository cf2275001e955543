import { readFileSync } from 'node:fs';

import {
  ConfigError,
  canonicalWorkerApp,
  checkWorkerApp,
  loadConfig,
  workerAppProblem,
  type AppName,
  type ConfigProblem,
  type LoadedConfig,
} from '@chat/config';
import { parse } from 'yaml';

/**
 * Loads the config files an app was started with and checks they were written for that app: a
 * worker file naming another `worker_app` (or a main config given to a worker) is a config
 * error, so one binary never quietly does another's job. Seed-era app names have already become
 * the generic worker in the loader, which leaves a deprecation warning in `warnings`.
 * Throws `ConfigError` with every problem found.
 */
export function loadAppConfig(app: AppName, configPaths: string[]): LoadedConfig {
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(configPaths);
  } catch (error) {
    // Another app's config often breaks that app's own rules too (a pusher's `start_pushers`);
    // the wrong binary is then the one thing worth saying.
    const mismatch =
      error instanceof ConfigError ? rawWorkerAppProblem(app, configPaths) : undefined;
    throw mismatch ? new ConfigError([mismatch]) : error;
  }
  const problem = checkWorkerApp(loaded.config, app);
  if (problem) throw new ConfigError([problem]);
  return loaded;
}

/**
 * `checkWorkerApp` on the files as written, for configs the loader refused: the last file that
 * sets `worker_app` decides, as in the loader. Nothing when a file cannot be read or parsed, or
 * `worker_app` is not a string: the loader's own error says that better.
 */
function rawWorkerAppProblem(app: AppName, configPaths: string[]): ConfigProblem | undefined {
  let workerApp: string | undefined;
  for (const path of configPaths) {
    let values: unknown;
    try {
      values = parse(readFileSync(path, 'utf8'), { version: '1.1' });
    } catch {
      return undefined;
    }
    if (typeof values !== 'object' || values === null || !('worker_app' in values)) continue;
    const value = (values as { worker_app: unknown }).worker_app;
    if (typeof value !== 'string') return undefined;
    workerApp = canonicalWorkerApp(value);
  }
  return workerAppProblem(workerApp, app, configPaths[configPaths.length - 1] ?? '');
}
