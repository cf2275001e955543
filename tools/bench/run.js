#!/usr/bin/env node
// `npm run bench -- <scenario> [options]`: compiles the harness (tsc is incremental, so an
// unchanged tree costs about a second) and runs it in this process.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const tsc = spawnSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, 'tsconfig.app.json')],
  // Compiler messages go to stderr: stdout carries only the result JSON.
  { stdio: ['ignore', 2, 2] },
);
if (tsc.status !== 0) {
  console.error('bench: the harness did not compile');
  process.exit(tsc.status ?? 1);
}
require(join(__dirname, '../../dist/tools/bench/main.js'));
