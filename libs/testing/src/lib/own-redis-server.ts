import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';

/**
 * A `redis-server` of a test's own, on a port of its choosing, without persistence, so a test
 * can kill it and start it again. Only this process is ever stopped, never the machine's Redis.
 */
export class OwnRedisServer {
  private child?: ChildProcess;

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          child.stdout?.off('data', onData);
          child.stdout?.resume();
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) =>
        reject(new Error(`redis-server on ${this.port} exited (${code}): ${output}`)),
      );
      child.once('error', reject);
    });
  }

  /** SIGKILL: the connections drop as in a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
