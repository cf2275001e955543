import 'reflect-metadata';

import { join, resolve } from 'node:path';

import { runSynctl } from './lib/synctl.cli';

const root = join(__dirname, '../../..');
// CHAT_SYNCTL_DIST points tests (or an install elsewhere) at another build output.
const distDir = process.env['CHAT_SYNCTL_DIST']
  ? resolve(process.env['CHAT_SYNCTL_DIST'])
  : join(root, 'dist');

runSynctl(
  process.argv.slice(2),
  { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
  { cwd: process.cwd(), env: process.env, distDir, appsSourceDir: join(root, 'apps') },
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exitCode = 1;
  },
);
