import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from '../testing/test-config';
import { createLogger } from './logger';

describe('createLogger', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'platform-log-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes JSON lines at the configured level, tagged with the instance name', () => {
    const path = join(dir, 'nested', 'chat.log');
    const logger = createLogger(
      testConfig({ log: { level: 'info', format: 'json', path }, workerName: 'worker1' }),
    );
    logger.debug('hidden');
    logger.info({ room: '!r:x' }, 'hello');
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'hello', room: '!r:x', instance: 'worker1' });
    expect(lines[0].time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('writes one readable line per record in text format', () => {
    const path = join(dir, 'chat.log');
    createLogger(testConfig({ log: { level: 'info', format: 'text', path } })).warn(
      { status: 404, ctx: { a: 1 } },
      'not here',
    );
    expect(readFileSync(path, 'utf8')).toMatch(
      /^\S+ WARN not here instance=main status=404 ctx=\{"a":1\}\n$/,
    );
  });
});
