import {
  COMMON_OPTIONS,
  isLoopback,
  parseCommand,
  parseNumber,
  type RunOptions,
  usage,
} from './options';
import { SCENARIOS } from './scenarios';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseCommand(argv, SCENARIOS, env);
const run = (argv: string[], env: NodeJS.ProcessEnv = {}): RunOptions => {
  const command = parse(argv, env);
  if (command.command !== 'run') throw new Error(`expected a run, got ${command.command}`);
  return command;
};

describe('isLoopback', () => {
  it.each([
    'http://127.0.0.1:8008',
    'http://127.1.2.3',
    'http://localhost:8008',
    'http://[::1]:8008',
  ])('%s is loopback', (url) => expect(isLoopback(new URL(url))).toBe(true));

  it.each([
    'http://10.0.0.1',
    'https://matrix.org',
    'http://127.0.0.1.example.org',
    'http://[::2]',
  ])('%s is not', (url) => expect(isLoopback(new URL(url))).toBe(false));
});

describe('parseNumber', () => {
  const spec = { integer: true, min: 1, max: 10, default: 3, help: '' };

  it('takes the default when absent, and values within the range', () => {
    expect(parseNumber('n', undefined, spec)).toBe(3);
    expect(parseNumber('n', '10', spec)).toBe(10);
    expect(parseNumber('d', '0.5', { ...spec, integer: false, min: 0.1 })).toBe(0.5);
  });

  it('refuses values out of range, fractions for integers, and non-numbers', () => {
    expect(() => parseNumber('n', '11', spec)).toThrow('--n must be within 1..10, got 11');
    expect(() => parseNumber('n', '0', spec)).toThrow('within 1..10');
    expect(() => parseNumber('n', '2.5', spec)).toThrow('--n must be an integer');
    expect(() => parseNumber('n', 'ten', spec)).toThrow('must be an integer, got "ten"');
    expect(() => parseNumber('n', '', spec)).toThrow('must be an integer');
    expect(() => parseNumber('n', 'Infinity', { ...spec, integer: false })).toThrow('a number');
  });
});

describe('parseCommand', () => {
  it('defaults to launching our monolith on SQLite at /chat with shared-secret registration', () => {
    const options = run(['send']);
    expect(options.scenario.name).toBe('send');
    expect(options.target).toEqual({
      engine: 'sqlite',
      prefix: '/chat',
      registration: 'shared-secret',
      adminPath: '/_chat/admin/v1/register',
    });
    expect(options.params).toEqual({ rooms: 10, senders: 5, duration: 10, count: 1_000_000 });
    expect(options.concurrency).toBe(COMMON_OPTIONS['concurrency'].default);
    expect(options.seed).toBeGreaterThanOrEqual(0);
  });

  it('drives any loopback server at another prefix and admin path', () => {
    const options = run([
      'sync-latency',
      '--base-url',
      'http://127.0.0.1:8008/',
      '--prefix',
      '/_matrix',
      '--admin-path',
      '/_synapse/admin/v1/register',
      '--shared-secret',
      's3cret',
      '--seed',
      '42',
      '--clients',
      '5',
    ]);
    expect(options.target).toEqual({
      baseUrl: 'http://127.0.0.1:8008',
      prefix: '/_matrix',
      registration: 'shared-secret',
      adminPath: '/_synapse/admin/v1/register',
      sharedSecret: 's3cret',
    });
    expect(options.seed).toBe(42);
    expect(options.params['clients']).toBe(5);
  });

  it('takes the shared secret from BENCH_SHARED_SECRET, and needs one for shared-secret registration', () => {
    const base = ['login', '--base-url', 'http://localhost:8008'];
    expect(run(base, { BENCH_SHARED_SECRET: 'from-env' }).target.sharedSecret).toBe('from-env');
    expect(() => run(base)).toThrow(/registration_shared_secret/);
    expect(run([...base, '--registration', 'dummy']).target.registration).toBe('dummy');
  });

  it('refuses a non-loopback target unless --allow-remote is given', () => {
    const argv = ['send', '--base-url', 'https://matrix.example.org', '--registration', 'dummy'];
    expect(() => run(argv)).toThrow(
      'matrix.example.org is not a loopback address: add --allow-remote',
    );
    expect(run([...argv, '--allow-remote']).target.baseUrl).toBe('https://matrix.example.org');
  });

  it('lets the clients long-poll another process, under the same rules as the base URL', () => {
    const argv = ['sync-latency', '--base-url', 'http://127.0.0.1:8008', '--registration', 'dummy'];
    expect(run([...argv, '--sync-base-url', 'http://127.0.0.1:8083/']).target.syncBaseUrl).toBe(
      'http://127.0.0.1:8083',
    );
    expect(run(argv).target.syncBaseUrl).toBeUndefined();
    expect(() => run([...argv, '--sync-base-url', 'http://10.0.0.5:8083'])).toThrow(
      '10.0.0.5:8083 is not a loopback address',
    );
    expect(() => run(['sync-latency', '--sync-base-url', 'http://127.0.0.1:8083'])).toThrow(
      '--sync-base-url goes with --base-url',
    );
  });

  it('refuses contradictory or malformed targets', () => {
    expect(() => run(['send', '--base-url', 'http://localhost', '--engine', 'sqlite'])).toThrow(
      'not both',
    );
    expect(() => run(['send', '--engine', 'mysql'])).toThrow(
      '--engine must be one of sqlite, postgres',
    );
    expect(() => run(['send', '--shared-secret', 'x'])).toThrow('goes with --base-url');
    expect(() => run(['send', '--prefix', '_matrix'])).toThrow('--prefix must be a path');
    expect(() => run(['send', '--prefix', '/_matrix/'])).toThrow('without a trailing /');
    expect(() => run(['send', '--base-url', 'ftp://localhost', '--registration', 'dummy'])).toThrow(
      'http(s)',
    );
  });

  it('bounds every number and keeps the duration inside the deadline', () => {
    expect(() => run(['send', '--duration', '0'])).toThrow('--duration must be within 0.1..3600');
    expect(() => run(['send', '--count', '1.5'])).toThrow('--count must be an integer');
    expect(() => run(['sync-latency', '--rate', '100000'])).toThrow('--rate must be within');
    expect(() => run(['send', '--concurrency', '0'])).toThrow('--concurrency must be within');
    expect(() => run(['send', '--duration', '60', '--deadline', '30'])).toThrow(
      'must be shorter than --deadline',
    );
    expect(() => run(['login', '--seed=4294967296'])).toThrow('--seed must be within');
  });

  it('refuses options of other scenarios, unknown options and unknown scenarios', () => {
    expect(() => run(['login', '--rate', '10'])).toThrow('login does not take --rate');
    expect(() => run(['fanout', '--rooms', '3'])).toThrow('fanout does not take --rooms');
    expect(() => run(['login', '--bogus', '1'])).toThrow(/bogus/);
    expect(() => run(['latency'])).toThrow('unknown scenario "latency"');
  });

  it('parses compare and help', () => {
    expect(parse(['compare', 'a.json', 'b.json'])).toEqual({
      command: 'compare',
      files: ['a.json', 'b.json'],
    });
    expect(() => parse(['compare', 'a.json'])).toThrow('compare a.json b.json');
    expect(parse([])).toEqual({ command: 'help' });
    expect(parse(['send', '--help'])).toEqual({ command: 'help' });
  });

  it('lists every scenario and its options in the usage', () => {
    const text = usage(SCENARIOS);
    for (const scenario of SCENARIOS) {
      expect(text).toContain(`  ${scenario.name}: `);
      for (const name of Object.keys(scenario.options)) expect(text).toContain(`--${name}`);
    }
  });
});
