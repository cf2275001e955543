import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startServerProcess } from './server-process';

/**
 * Stand-ins for the built homeserver, so the harness is tested without building the app: one
 * answers `/health` on the configured port, one dies at start-up after printing something.
 */
const HEALTHY = `
const http = require('node:http');
const fs = require('node:fs');
const config = fs.readFileSync(process.argv[3], 'utf8');
const port = Number(/port: (\\d+)/.exec(config)[1]);
process.stdout.write('listening on ' + port + '\\n');
http.createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end('OK'))
  .listen(port, '127.0.0.1');
`;
const CRASHING = `console.error('cannot open database: boom'); process.exit(3);`;

describe.each(['sqlite', 'postgres'] as const)('startServerProcess (%s)', (engine) => {
  let fixtures: string;

  beforeAll(async () => {
    fixtures = await mkdtemp(path.join(tmpdir(), 'chat-harness-spec-'));
    await writeFile(path.join(fixtures, 'healthy.js'), HEALTHY);
    await writeFile(path.join(fixtures, 'crashing.js'), CRASHING);
  });

  afterAll(() => rm(fixtures, { recursive: true, force: true }));

  it('writes a homeserver.yaml, waits for /health and cleans up on stop', async () => {
    const server = await startServerProcess({
      engine,
      mainPath: path.join(fixtures, 'healthy.js'),
      extraConfig: { allow_guest_access: true },
    });
    try {
      expect(server.baseUrl).toBe(`http://127.0.0.1:${server.port}`);
      expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);

      const config = parseYaml(await readFile(server.configPath, 'utf8'));
      expect(config).toMatchObject({
        server_name: 'localhost',
        registration_shared_secret: server.sharedSecret,
        enable_registration: true,
        allow_guest_access: true,
        listeners: [
          {
            port: server.port,
            bind_addresses: ['127.0.0.1'],
            resources: [{ names: ['client', 'federation', 'health', 'metrics'] }],
          },
        ],
      });
      expect(config.database.name).toBe(engine);
      const key = await readFile(config.signing_key_path, 'utf8');
      expect(key).toMatch(/^ed25519 a_[0-9a-f]{6} [A-Za-z0-9+/]{43}\n$/);
      expect(await readFile(server.logPath, 'utf8')).toContain(`listening on ${server.port}`);
    } finally {
      await server.stop();
    }
    await expect(fetch(`${server.baseUrl}/health`)).rejects.toThrow();
    expect(existsSync(path.dirname(server.configPath))).toBe(false);
    await server.stop();
  });

  it('kills the process with a signal and restarts it on the same config', async () => {
    const server = await startServerProcess({
      engine,
      mainPath: path.join(fixtures, 'healthy.js'),
    });
    try {
      await expect(server.restart()).rejects.toThrow(/needs the server process to have exited/);
      await server.kill('SIGKILL');
      await expect(fetch(`${server.baseUrl}/health`)).rejects.toThrow();

      await server.restart();
      expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
      const log = await readFile(server.logPath, 'utf8');
      expect(log.split(`listening on ${server.port}`).length - 1).toBe(2);
    } finally {
      await server.stop();
    }
    await expect(fetch(`${server.baseUrl}/health`)).rejects.toThrow();
  });

  it('fails with the tail of the log when the server dies before it is healthy', async () => {
    await expect(
      startServerProcess({ engine, mainPath: path.join(fixtures, 'crashing.js') }),
    ).rejects.toThrow(
      /server exited \(code 3, signal null\) before it was healthy; last lines of the server log:\ncannot open database: boom/,
    );
  });
});
