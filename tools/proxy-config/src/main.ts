import 'reflect-metadata';

import { runProxyConfig } from './lib/proxy-config.cli';

process.exitCode = runProxyConfig(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
