import { parseArgs } from 'node:util';

import type { DynamicModule } from '@nestjs/common';

import {
  ConfigError,
  ensureSigningKey,
  generateConfigFiles,
  instanceName,
  type AppName,
  type HomeserverConfig,
} from '@chat/config';

import { bootstrapHttp, type RunningHttp } from '../bootstrap-http';
import type { RouteOwnership } from '../http/route-ownership';
import { createLogger } from '../observability/logger';
import { loadAppConfig } from './app-config';
import { StartRefusedError } from './start-refused.error';

const USAGE = `Usage:
  <app> -c <homeserver.yaml> [-c <worker.yaml>]    start (shared config first, worker config second)
  <app> generate-config --config-path <file> --server-name <name> [--port <n>]
      [--bind-address <addr>]... [--open-registration] [--public-baseurl <url>]`;

/** Prints a message without a stack trace and exits with code 1. */
function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

export interface LaunchOptions {
  /** The public routes the app answers (see `RouteOwnership`); absent for main, which has all. */
  ownsRoute?: (config: HomeserverConfig) => RouteOwnership;
  argv?: string[];
}

/**
 * The whole life of an app process: parse the command line, load and check config, open the
 * signing key, start the HTTP listeners, and stop cleanly on SIGTERM/SIGINT. Each app's main.ts
 * calls this with its name, root module and the routes it owns, and nothing else.
 */
export async function launchApp(
  app: AppName,
  rootModule: (config: HomeserverConfig) => DynamicModule,
  options: LaunchOptions = {},
): Promise<void> {
  const argv = options.argv ?? process.argv.slice(2);
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'config-path': { type: 'string', short: 'c', multiple: true },
        'server-name': { type: 'string' },
        port: { type: 'string' },
        'bind-address': { type: 'string', multiple: true },
        'open-registration': { type: 'boolean' },
        'public-baseurl': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = args;
  if (values['help']) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const configPaths = (values['config-path'] as string[] | undefined) ?? [];

  if (positionals[0] === 'generate-config') {
    const serverName = values['server-name'] as string | undefined;
    if (configPaths.length !== 1 || !serverName) fail(USAGE);
    try {
      const written = generateConfigFiles({
        configPath: configPaths[0],
        serverName,
        port: values['port'] ? Number(values['port']) : undefined,
        bindAddresses: values['bind-address'] as string[] | undefined,
        openRegistration: values['open-registration'] === true,
        publicBaseurl: values['public-baseurl'] as string | undefined,
      });
      process.stdout.write(`Wrote ${written.configPath} and ${written.signingKeyPath}\n`);
    } catch (error) {
      fail((error as Error).message);
    }
    return;
  }
  if (positionals.length > 0 || configPaths.length === 0) fail(USAGE);

  let config: HomeserverConfig;
  let warnings: string[];
  try {
    ({ config, warnings } = loadAppConfig(app, configPaths));
  } catch (error) {
    if (error instanceof ConfigError) fail(error.format());
    throw error;
  }
  const logger = createLogger(config);
  for (const warning of warnings) logger.warn({ configPaths }, warning);

  let keyId: string;
  try {
    keyId = ensureSigningKey(config.signingKeyPath).keyId;
  } catch (error) {
    fail(`Cannot use signing key ${config.signingKeyPath}: ${(error as Error).message}`);
  }

  const started = Date.now();
  let running: RunningHttp;
  try {
    running = await bootstrapHttp(rootModule(config), config, {
      logger,
      ownsRoute: options.ownsRoute?.(config),
    });
  } catch (error) {
    if (error instanceof StartRefusedError) fail(error.message);
    throw error;
  }
  logger.info(
    {
      app,
      instance: instanceName(config),
      serverName: config.serverName,
      keyId,
      listeners: running.addresses,
      startupMs: Date.now() - started,
    },
    'Chat server started',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'Shutting down');
    await running.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
