#!/usr/bin/env node
// `npm run synctl -- start|stop|restart|status [names…] -c homeserver.yaml --workers workers/`:
// starts and stops the processes of a deployment. The TypeScript source runs through swc (as
// proxy-config does), so the tool itself has no bundle to build or to go stale.
const { join } = require('node:path');

process.env.SWC_NODE_PROJECT = join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
require('../src/main.ts');
