import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * The real nginx and HAProxy, for tests that prove generated configs parse and route. They are
 * required, not optional (CI installs both, see .ci/run): a missing proxy fails the run.
 */
export function proxyBinary(name: 'nginx' | 'haproxy'): string {
  // Debian puts both in /usr/sbin, which is not on a non-root user's PATH.
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  const found = dirs
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, name))
    .find((path) => existsSync(path));
  if (!found) {
    throw new Error(`${name} is needed by this test: install it (apt-get install -y ${name})`);
  }
  return found;
}

/** A scratch directory for one proxy run. */
export function proxyDir(kind: string): string {
  return mkdtempSync(join(tmpdir(), `chat-${kind}-`));
}

/**
 * A minimal nginx.conf around a generated fragment, with every path inside `dir` so that nginx
 * runs without root; in the foreground, one process, when `serve` is set.
 */
export function writeNginxConf(dir: string, fragment: string, serve = false): string {
  const temp = join(dir, 'temp');
  mkdirSync(temp, { recursive: true });
  writeFileSync(join(dir, 'chat.conf'), fragment);
  const conf = join(dir, 'nginx.conf');
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `    ${kind}_temp_path ${join(temp, kind)};`)
    .join('\n');
  writeFileSync(
    conf,
    [
      ...(serve ? ['daemon off;', 'master_process off;'] : []),
      `pid ${join(dir, 'nginx.pid')};`,
      'error_log stderr;',
      'events {}',
      'http {',
      '    access_log off;',
      temps,
      `    include ${join(dir, 'chat.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  return conf;
}

export function nginxArgs(dir: string, conf: string): string[] {
  return ['-p', dir, '-c', conf, '-e', 'stderr'];
}

/** `nginx -t` / `haproxy -c` on a generated config: the exit status and what the proxy said. */
export function checkConfig(
  kind: 'nginx' | 'haproxy',
  text: string,
): { status: number | null; output: string } {
  const dir = proxyDir(kind);
  const args =
    kind === 'nginx'
      ? ['-t', ...nginxArgs(dir, writeNginxConf(dir, text))]
      : ['-c', '-f', writeHaproxyCfg(dir, text)];
  try {
    const result = spawnSync(proxyBinary(kind), args, { encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function writeHaproxyCfg(dir: string, text: string): string {
  const path = join(dir, 'haproxy.cfg');
  writeFileSync(path, text);
  return path;
}
