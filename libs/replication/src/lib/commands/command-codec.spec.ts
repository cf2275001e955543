import { parseCommand, serializeCommand } from './command-codec';
import { CommandFormatError, type CommandFormatErrorKind } from './command-format-error';
import { COMMAND_NAMES } from './command-names';
import type { ReplicationCommand } from './replication-command';

/** One command of every kind, with the awkward values each argument allows. */
const EXAMPLES: ReplicationCommand[] = [
  { name: 'SERVER', serverName: 'example.com' },
  { name: 'NAME', clientName: 'generic1' },
  { name: 'PING', data: '1716800000123' },
  { name: 'ERROR', message: 'stream has fallen behind: events' },
  { name: 'REPLICATE' },
  { name: 'RDATA', stream: 'events', instance: 'persister1', token: 1042, row: ['$ev', 'm x'] },
  { name: 'RDATA', stream: 'caches', instance: 'main', token: null, row: { line: 'a\nb' } },
  { name: 'POSITION', stream: 'events', instance: 'persister2', prevToken: 2007, newToken: 2011 },
  {
    name: 'USER_SYNC',
    instanceId: 'Xk3Qa',
    userId: '@a:example.com',
    deviceId: 'DEVICEA',
    state: 'start',
    lastSyncMs: 1716800000123,
  },
  {
    name: 'USER_SYNC',
    instanceId: 'Xk3Qa',
    userId: '@a:example.com',
    deviceId: null,
    state: 'end',
    lastSyncMs: 0,
  },
  { name: 'CLEAR_USER_SYNC', instanceId: 'Xk3Qa' },
  { name: 'FEDERATION_ACK', instanceName: 'fed1', token: 77 },
  {
    name: 'USER_IP',
    userId: '@a:example.com',
    accessToken: 'syt_abc',
    ip: '10.0.0.7',
    userAgent: 'Client/1.0 (Linux; x64)',
    deviceId: null,
    lastSeen: 1716800000123,
  },
  { name: 'REMOTE_SERVER_UP', serverName: 'remote.example.org:8448' },
  {
    name: 'LOCK_RELEASED',
    instanceName: 'bg1',
    lockName: 'federation_inbound_pdu',
    lockKey: '!r:example.com',
  },
  { name: 'NEW_ACTIVE_TASK', taskId: 'task-1' },
  { name: 'CANCEL_TASK', taskId: 'task-1' },
  {
    name: 'HELLO',
    instanceName: 'generic1',
    proto: '1.0',
    topologyHash: 'ab12',
    app: 'generic_worker',
    instanceId: 'Xk3Qa',
  },
];

function formatErrorKind(fn: () => unknown): CommandFormatErrorKind {
  try {
    fn();
  } catch (err) {
    if (err instanceof CommandFormatError) return err.kind;
    throw err;
  }
  throw new Error('expected a CommandFormatError');
}

describe('command codec', () => {
  it('has an example of every command', () => {
    expect(new Set(EXAMPLES.map((cmd) => cmd.name))).toEqual(new Set(Object.keys(COMMAND_NAMES)));
  });

  it.each(EXAMPLES.map((cmd) => [serializeCommand(cmd), cmd] as const))(
    'round-trips %s',
    (line, cmd) => {
      expect(line).not.toMatch(/[\r\n]/);
      expect(parseCommand(line)).toEqual(cmd);
      expect(serializeCommand(parseCommand(line))).toBe(line);
    },
  );

  it('parses the example lines of replication.md §3.3', () => {
    const lines = [
      'REPLICATE',
      'POSITION events persister1 1042 1042',
      'RDATA typing main 88 ["!r:example.com",["@a:example.com","@b:example.com"]]',
      'RDATA caches gen2 batch ["get_user_by_id",["@a:example.com"],1716800000000]',
      'RDATA caches gen2 5501 ["get_user_by_id",["@b:example.com"],1716800000000]',
      'POSITION events persister2 2007 2011',
      'USER_SYNC Xk3Qa @a:example.com DEVICEA start 1716800000123',
      'USER_IP @a:example.com ["<token>","10.0.0.7","Client/1.0","DEVICEA",1716800000123]',
      'LOCK_RELEASED ["bg1","federation_inbound_pdu","!r:example.com"]',
    ];
    expect(lines.map(parseCommand)).toEqual([
      { name: 'REPLICATE' },
      {
        name: 'POSITION',
        stream: 'events',
        instance: 'persister1',
        prevToken: 1042,
        newToken: 1042,
      },
      {
        name: 'RDATA',
        stream: 'typing',
        instance: 'main',
        token: 88,
        row: ['!r:example.com', ['@a:example.com', '@b:example.com']],
      },
      {
        name: 'RDATA',
        stream: 'caches',
        instance: 'gen2',
        token: null,
        row: ['get_user_by_id', ['@a:example.com'], 1716800000000],
      },
      {
        name: 'RDATA',
        stream: 'caches',
        instance: 'gen2',
        token: 5501,
        row: ['get_user_by_id', ['@b:example.com'], 1716800000000],
      },
      {
        name: 'POSITION',
        stream: 'events',
        instance: 'persister2',
        prevToken: 2007,
        newToken: 2011,
      },
      {
        name: 'USER_SYNC',
        instanceId: 'Xk3Qa',
        userId: '@a:example.com',
        deviceId: 'DEVICEA',
        state: 'start',
        lastSyncMs: 1716800000123,
      },
      {
        name: 'USER_IP',
        userId: '@a:example.com',
        accessToken: '<token>',
        ip: '10.0.0.7',
        userAgent: 'Client/1.0',
        deviceId: 'DEVICEA',
        lastSeen: 1716800000123,
      },
      {
        name: 'LOCK_RELEASED',
        instanceName: 'bg1',
        lockName: 'federation_inbound_pdu',
        lockKey: '!r:example.com',
      },
    ]);
  });

  it('reads a USER_SYNC device of None as no device', () => {
    expect(parseCommand('USER_SYNC Xk3Qa @a:example.com None end 5')).toMatchObject({
      deviceId: null,
      state: 'end',
    });
  });

  it.each<[string, CommandFormatErrorKind]>([
    ['', 'empty'],
    ['REPLICATE\n', 'newline'],
    ['PING a\rb', 'newline'],
    ['RDATA events main 1 ["a",\n"b"]', 'newline'],
    ['HELLOO x {}', 'unknown-command'],
    ['replicate', 'unknown-command'],
    [' REPLICATE', 'unknown-command'],
    ['REPLICATE now', 'bad-argument'],
    ['SERVER', 'missing-argument'],
    ['PING', 'missing-argument'],
    ['POSITION events main 1', 'missing-argument'],
    ['RDATA events main 5', 'missing-argument'],
    ['USER_SYNC Xk3Qa @a:example.com DEV start', 'missing-argument'],
    ['FEDERATION_ACK fed1', 'missing-argument'],
    ['USER_IP @a:example.com', 'missing-argument'],
    ['HELLO main', 'missing-argument'],
    ['POSITION events  1 2', 'bad-argument'],
    ['SERVER example.com extra', 'bad-argument'],
    ['USER_SYNC Xk3Qa @a:example.com DEV started 5', 'bad-argument'],
    ['POSITION events main 1 2 3', 'bad-number'],
    ['POSITION events main -1 2', 'bad-number'],
    ['POSITION events main 1 2.5', 'bad-number'],
    ['POSITION events main 01 2', 'bad-number'],
    ['POSITION events main 1 99999999999999999999', 'bad-number'],
    ['RDATA events main next []', 'bad-number'],
    ['FEDERATION_ACK fed1 x', 'bad-number'],
    ['USER_SYNC Xk3Qa @a:example.com DEV start soon', 'bad-number'],
    ['RDATA events main 5 [1,', 'bad-json'],
    ['RDATA events main 5 ', 'bad-json'],
    ['USER_IP @a:example.com ["t","ip","ua",null]', 'bad-json'],
    ['USER_IP @a:example.com ["t","ip","ua","D","yesterday"]', 'bad-json'],
    ['USER_IP @a:example.com {oops', 'bad-json'],
    ['LOCK_RELEASED ["bg1","lock"]', 'bad-json'],
    ['LOCK_RELEASED ["bg1","lock",3]', 'bad-json'],
    ['HELLO main {"proto":"1.0","topology_hash":"x","app":"main"}', 'bad-json'],
    ['HELLO main [1]', 'bad-json'],
  ])('refuses %j (%s)', (line, kind) => {
    expect(formatErrorKind(() => parseCommand(line))).toBe(kind);
  });

  it.each<[ReplicationCommand, CommandFormatErrorKind]>([
    [{ name: 'RDATA', stream: 'my stream', instance: 'main', token: 1, row: [] }, 'bad-argument'],
    [
      { name: 'POSITION', stream: 'events', instance: 'a b', prevToken: 1, newToken: 2 },
      'bad-argument',
    ],
    [
      { name: 'POSITION', stream: 'events', instance: '', prevToken: 1, newToken: 2 },
      'bad-argument',
    ],
    [
      {
        name: 'HELLO',
        instanceName: 'gen 1',
        proto: '1',
        topologyHash: 'h',
        app: 'a',
        instanceId: 'i',
      },
      'bad-argument',
    ],
    [{ name: 'FEDERATION_ACK', instanceName: 'fed 1', token: 1 }, 'bad-argument'],
    [
      { name: 'POSITION', stream: 'events', instance: 'main', prevToken: 1.5, newToken: 2 },
      'bad-number',
    ],
    [
      { name: 'POSITION', stream: 'events', instance: 'main', prevToken: -1, newToken: 2 },
      'bad-number',
    ],
    [{ name: 'RDATA', stream: 'events', instance: 'main', token: 1, row: undefined }, 'bad-json'],
    [{ name: 'RDATA', stream: 'events', instance: 'main', token: 1, row: [10n] }, 'bad-json'],
    [{ name: 'ERROR', message: 'first line\nsecond line' }, 'newline'],
    [{ name: 'NEW_ACTIVE_TASK', taskId: 'a\nb' }, 'newline'],
  ])('will not write %j (%s)', (cmd, kind) => {
    expect(formatErrorKind(() => serializeCommand(cmd))).toBe(kind);
  });
});
