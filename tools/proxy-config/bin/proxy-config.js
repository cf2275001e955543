#!/usr/bin/env node
// `npm run proxy-config -- --kind nginx -c homeserver.yaml --workers workers/`: prints a reverse-
// proxy config for a worker deployment. The TypeScript source runs through swc (installed by
// `npm ci`, as for jest), so there is no bundle to build or to go stale; `@chat/*` imports resolve
// through the tsconfig paths.
const { join } = require('node:path');

process.env.SWC_NODE_PROJECT = join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
require('../src/main.ts');
