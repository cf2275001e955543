#!/usr/bin/env node
// `npm start`: build `main` when its bundle is missing or older than the sources, generate a
// config and signing key under ./data on first run, then run the monolith in the foreground.
// Extra arguments go to the server, e.g. `npm start -- -c my.yaml`.
const { spawnSync, spawn } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { dirname, join } = require('node:path');

const root = join(__dirname, '..');
const NX_BIN = join(dirname(require.resolve('nx/package.json')), require('nx/package.json').bin.nx);
const bundle = join(root, 'dist/apps/main/main.js');
const dataConfig = join(root, 'data/homeserver.yaml');

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function bundleIsStale() {
  if (!existsSync(bundle)) return true;
  const sources = Math.max(
    newestMtime(join(root, 'apps/main/src')),
    newestMtime(join(root, 'libs')),
    newestMtime(join(root, 'tsconfig.base.json')),
    newestMtime(join(root, 'package-lock.json')),
  );
  return sources > statSync(bundle).mtimeMs;
}

function run(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (bundleIsStale()) {
  console.log('Building main…');
  run([NX_BIN, 'build', 'main', '--output-style=static']);
}

const args = process.argv.slice(2);
if (args[0] === 'generate-config') {
  run([bundle, ...args]);
  process.exit(0);
}
const hasConfig = args.some(
  (a) => a === '-c' || a === '--config-path' || a.startsWith('--config-path='),
);
if (!hasConfig && !existsSync(dataConfig)) {
  // A local demo: loopback only, so open registration is safe; edit data/homeserver.yaml to go public.
  run([
    bundle,
    'generate-config',
    '-c',
    dataConfig,
    '--server-name',
    'localhost',
    '--port',
    '8008',
    '--bind-address',
    '127.0.0.1',
    '--open-registration',
    '--public-baseurl',
    'http://localhost:8008/',
  ]);
}
const server = spawn(
  process.execPath,
  ['--enable-source-maps', bundle, ...(hasConfig ? args : ['-c', dataConfig, ...args])],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
