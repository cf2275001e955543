import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import {
  formatSigningKeyFile,
  generateSigningKey,
  parseSigningKeyFile,
  type SigningKey,
} from '@chat/protocol';

import { renderDefaultConfig } from './default-config.renderer';

export interface GenerateConfigOptions {
  /** Where to write homeserver.yaml; its directory becomes the data directory. */
  configPath: string;
  serverName: string;
  port?: number;
  bindAddresses?: string[];
  openRegistration?: boolean;
  publicBaseurl?: string;
}

/**
 * Writes a commented homeserver.yaml and a fresh ed25519 signing key beside it, with a random
 * registration shared secret, as Synapse's `--generate-config` does. Refuses to overwrite.
 */
export function generateConfigFiles(options: GenerateConfigOptions): {
  configPath: string;
  signingKeyPath: string;
} {
  const configPath = resolve(options.configPath);
  if (existsSync(configPath)) throw new Error(`${configPath} already exists; not overwriting it`);
  const dataDir = dirname(configPath);
  mkdirSync(dataDir, { recursive: true });
  const signingKeyPath = join(
    dataDir,
    `${options.serverName.replace(/[^A-Za-z0-9.-]/g, '_')}.signing.key`,
  );
  ensureSigningKey(signingKeyPath);
  const yaml = renderDefaultConfig({
    serverName: options.serverName,
    dataDir,
    signingKeyPath,
    databasePath: join(dataDir, 'homeserver.db'),
    registrationSharedSecret: randomBytes(32).toString('base64url'),
    port: options.port,
    bindAddresses: options.bindAddresses,
    openRegistration: options.openRegistration,
    publicBaseurl: options.publicBaseurl,
  });
  writeFileSync(configPath, yaml, { mode: 0o600 });
  return { configPath, signingKeyPath };
}

/** Loads the signing key, generating it first when the file does not exist. */
export function ensureSigningKey(path: string): SigningKey {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, formatSigningKeyFile(generateSigningKey()), { mode: 0o600 });
  }
  return parseSigningKeyFile(readFileSync(path, 'utf8'));
}
