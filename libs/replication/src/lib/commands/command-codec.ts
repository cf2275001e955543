import { CommandFormatError } from './command-format-error';
import { type CommandName, isCommandName } from './command-names';
import type { CommandOf, ReplicationCommand } from './replication-command';

/**
 * The line format of the replication bus (replication.md §3.2): `NAME` + space + arguments, one
 * command per message, no newlines, JSON payloads without newlines. Every argument but a command's
 * last is a single space-free word; the last may carry spaces (JSON, free text).
 */
export function parseCommand(line: string): ReplicationCommand {
  if (/[\r\n]/.test(line)) {
    throw new CommandFormatError('newline', 'a bus command is one line');
  }
  if (line === '') {
    throw new CommandFormatError('empty', 'empty bus command');
  }
  const space = line.indexOf(' ');
  const name = space < 0 ? line : line.slice(0, space);
  if (!isCommandName(name)) {
    throw new CommandFormatError('unknown-command', `unknown bus command ${JSON.stringify(name)}`);
  }
  return (CODECS[name] as Codec<ReplicationCommand>).parse(
    space < 0 ? undefined : line.slice(space + 1),
  );
}

/** The command as one bus line; throws `CommandFormatError` when it cannot be written as one. */
export function serializeCommand(cmd: ReplicationCommand): string {
  const args = (CODECS[cmd.name] as Codec<ReplicationCommand>).encode(cmd);
  const line = args === undefined ? cmd.name : `${cmd.name} ${args}`;
  if (/[\r\n]/.test(line)) {
    throw new CommandFormatError('newline', `${cmd.name}: an argument contains a newline`);
  }
  return line;
}

interface Codec<C extends ReplicationCommand> {
  /** `args` is the text after the first space, undefined when the line has none. */
  parse(args: string | undefined): C;
  /** The text after the name and a space, undefined for a command without arguments. */
  encode(cmd: C): string | undefined;
}

const CODECS: { [N in CommandName]: Codec<CommandOf<N>> } = {
  SERVER: {
    parse: (args) => {
      const [serverName] = split('SERVER', args, ['server_name']);
      return { name: 'SERVER', serverName: word('SERVER', 'server_name', serverName) };
    },
    encode: (cmd) => word('SERVER', 'server_name', cmd.serverName),
  },
  NAME: {
    parse: (args) => {
      const [clientName] = split('NAME', args, ['client_name']);
      return { name: 'NAME', clientName: word('NAME', 'client_name', clientName) };
    },
    encode: (cmd) => word('NAME', 'client_name', cmd.clientName),
  },
  PING: {
    parse: (args) => ({ name: 'PING', data: split('PING', args, ['data'])[0] }),
    encode: (cmd) => cmd.data,
  },
  ERROR: {
    parse: (args) => ({ name: 'ERROR', message: split('ERROR', args, ['message'])[0] }),
    encode: (cmd) => cmd.message,
  },
  REPLICATE: {
    parse: (args) => {
      if (args !== undefined) {
        throw new CommandFormatError('bad-argument', 'REPLICATE takes no arguments');
      }
      return { name: 'REPLICATE' };
    },
    encode: () => undefined,
  },
  RDATA: {
    parse: (args) => {
      const [stream, instance, token, row] = split('RDATA', args, [
        'stream',
        'instance',
        'token',
        'row',
      ]);
      return {
        name: 'RDATA',
        stream: word('RDATA', 'stream', stream),
        instance: word('RDATA', 'instance', instance),
        token: token === 'batch' ? null : int('RDATA', 'token', token),
        row: json('RDATA', 'row', row),
      };
    },
    encode: (cmd) =>
      [
        word('RDATA', 'stream', cmd.stream),
        word('RDATA', 'instance', cmd.instance),
        cmd.token === null ? 'batch' : intText('RDATA', 'token', cmd.token),
        jsonText('RDATA', 'row', cmd.row),
      ].join(' '),
  },
  POSITION: {
    parse: (args) => {
      const [stream, instance, prev, next] = split('POSITION', args, [
        'stream',
        'instance',
        'prev_token',
        'new_token',
      ]);
      return {
        name: 'POSITION',
        stream: word('POSITION', 'stream', stream),
        instance: word('POSITION', 'instance', instance),
        prevToken: int('POSITION', 'prev_token', prev),
        newToken: int('POSITION', 'new_token', next),
      };
    },
    encode: (cmd) =>
      [
        word('POSITION', 'stream', cmd.stream),
        word('POSITION', 'instance', cmd.instance),
        intText('POSITION', 'prev_token', cmd.prevToken),
        intText('POSITION', 'new_token', cmd.newToken),
      ].join(' '),
  },
  USER_SYNC: {
    parse: (args) => {
      const [instanceId, userId, deviceId, state, lastSyncMs] = split('USER_SYNC', args, [
        'instance_id',
        'user_id',
        'device_id',
        'state',
        'last_sync_ms',
      ]);
      if (state !== 'start' && state !== 'end') {
        throw new CommandFormatError('bad-argument', 'USER_SYNC: state is start or end');
      }
      const device = word('USER_SYNC', 'device_id', deviceId);
      return {
        name: 'USER_SYNC',
        instanceId: word('USER_SYNC', 'instance_id', instanceId),
        userId: word('USER_SYNC', 'user_id', userId),
        deviceId: device === 'None' ? null : device,
        state,
        lastSyncMs: int('USER_SYNC', 'last_sync_ms', lastSyncMs),
      };
    },
    encode: (cmd) =>
      [
        word('USER_SYNC', 'instance_id', cmd.instanceId),
        word('USER_SYNC', 'user_id', cmd.userId),
        cmd.deviceId === null ? 'None' : word('USER_SYNC', 'device_id', cmd.deviceId),
        cmd.state,
        intText('USER_SYNC', 'last_sync_ms', cmd.lastSyncMs),
      ].join(' '),
  },
  CLEAR_USER_SYNC: {
    parse: (args) => {
      const [instanceId] = split('CLEAR_USER_SYNC', args, ['instance_id']);
      return {
        name: 'CLEAR_USER_SYNC',
        instanceId: word('CLEAR_USER_SYNC', 'instance_id', instanceId),
      };
    },
    encode: (cmd) => word('CLEAR_USER_SYNC', 'instance_id', cmd.instanceId),
  },
  FEDERATION_ACK: {
    parse: (args) => {
      const [instanceName, token] = split('FEDERATION_ACK', args, ['instance_name', 'token']);
      return {
        name: 'FEDERATION_ACK',
        instanceName: word('FEDERATION_ACK', 'instance_name', instanceName),
        token: int('FEDERATION_ACK', 'token', token),
      };
    },
    encode: (cmd) =>
      `${word('FEDERATION_ACK', 'instance_name', cmd.instanceName)} ${intText('FEDERATION_ACK', 'token', cmd.token)}`,
  },
  USER_IP: {
    parse: (args) => {
      const [userId, details] = split('USER_IP', args, ['user_id', 'details']);
      const value = json('USER_IP', 'details', details);
      if (
        !Array.isArray(value) ||
        value.length !== 5 ||
        !value.slice(0, 3).every((v) => typeof v === 'string') ||
        !(value[3] === null || typeof value[3] === 'string') ||
        !Number.isSafeInteger(value[4])
      ) {
        throw new CommandFormatError(
          'bad-json',
          'USER_IP: details are [access_token, ip, user_agent, device_id, last_seen]',
        );
      }
      return {
        name: 'USER_IP',
        userId: word('USER_IP', 'user_id', userId),
        accessToken: value[0],
        ip: value[1],
        userAgent: value[2],
        deviceId: value[3],
        lastSeen: value[4],
      };
    },
    encode: (cmd) =>
      `${word('USER_IP', 'user_id', cmd.userId)} ${jsonText('USER_IP', 'details', [
        cmd.accessToken,
        cmd.ip,
        cmd.userAgent,
        cmd.deviceId,
        cmd.lastSeen,
      ])}`,
  },
  REMOTE_SERVER_UP: {
    parse: (args) => {
      const [serverName] = split('REMOTE_SERVER_UP', args, ['server_name']);
      return {
        name: 'REMOTE_SERVER_UP',
        serverName: word('REMOTE_SERVER_UP', 'server_name', serverName),
      };
    },
    encode: (cmd) => word('REMOTE_SERVER_UP', 'server_name', cmd.serverName),
  },
  LOCK_RELEASED: {
    parse: (args) => {
      const value = json('LOCK_RELEASED', 'lock', split('LOCK_RELEASED', args, ['lock'])[0]);
      if (
        !Array.isArray(value) ||
        value.length !== 3 ||
        !value.every((v) => typeof v === 'string')
      ) {
        throw new CommandFormatError(
          'bad-json',
          'LOCK_RELEASED: the lock is [instance_name, lock_name, lock_key]',
        );
      }
      return {
        name: 'LOCK_RELEASED',
        instanceName: value[0],
        lockName: value[1],
        lockKey: value[2],
      };
    },
    encode: (cmd) =>
      jsonText('LOCK_RELEASED', 'lock', [cmd.instanceName, cmd.lockName, cmd.lockKey]),
  },
  NEW_ACTIVE_TASK: {
    parse: (args) => {
      const [taskId] = split('NEW_ACTIVE_TASK', args, ['task_id']);
      return { name: 'NEW_ACTIVE_TASK', taskId: word('NEW_ACTIVE_TASK', 'task_id', taskId) };
    },
    encode: (cmd) => word('NEW_ACTIVE_TASK', 'task_id', cmd.taskId),
  },
  CANCEL_TASK: {
    parse: (args) => {
      const [taskId] = split('CANCEL_TASK', args, ['task_id']);
      return { name: 'CANCEL_TASK', taskId: word('CANCEL_TASK', 'task_id', taskId) };
    },
    encode: (cmd) => word('CANCEL_TASK', 'task_id', cmd.taskId),
  },
  HELLO: {
    parse: (args) => {
      const [instanceName, details] = split('HELLO', args, ['instance_name', 'details']);
      const value = json('HELLO', 'details', details) as Record<string, unknown> | null;
      const fields = ['proto', 'topology_hash', 'app', 'instance_id'];
      if (
        typeof value !== 'object' ||
        value === null ||
        Array.isArray(value) ||
        !fields.every((field) => typeof value[field] === 'string')
      ) {
        throw new CommandFormatError(
          'bad-json',
          'HELLO: details are {proto, topology_hash, app, instance_id}, all strings',
        );
      }
      return {
        name: 'HELLO',
        instanceName: word('HELLO', 'instance_name', instanceName),
        proto: value['proto'] as string,
        topologyHash: value['topology_hash'] as string,
        app: value['app'] as string,
        instanceId: value['instance_id'] as string,
      };
    },
    encode: (cmd) =>
      `${word('HELLO', 'instance_name', cmd.instanceName)} ${jsonText('HELLO', 'details', {
        proto: cmd.proto,
        topology_hash: cmd.topologyHash,
        app: cmd.app,
        instance_id: cmd.instanceId,
      })}`,
  },
};

/** Splits at the first `names.length - 1` spaces; the last argument keeps any further spaces. */
function split(command: CommandName, args: string | undefined, names: readonly string[]): string[] {
  if (args === undefined) {
    throw new CommandFormatError('missing-argument', `${command}: missing ${names[0]}`);
  }
  const parts: string[] = [];
  let rest = args;
  for (const next of names.slice(1)) {
    const space = rest.indexOf(' ');
    if (space < 0) {
      throw new CommandFormatError('missing-argument', `${command}: missing ${next}`);
    }
    parts.push(rest.slice(0, space));
    rest = rest.slice(space + 1);
  }
  parts.push(rest);
  return parts;
}

/** Names, ids and stream names: non-empty and space-free, or the line would not split back. */
function word(command: CommandName, what: string, value: string): string {
  if (value === '' || value.includes(' ')) {
    throw new CommandFormatError(
      'bad-argument',
      `${command}: ${what} must be a non-empty word without spaces, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function int(command: CommandName, what: string, text: string): number {
  const value = Number(text);
  if (!/^(0|[1-9][0-9]*)$/.test(text) || !Number.isSafeInteger(value)) {
    throw new CommandFormatError(
      'bad-number',
      `${command}: ${what} must be a non-negative integer, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

function intText(command: CommandName, what: string, value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new CommandFormatError(
      'bad-number',
      `${command}: ${what} must be a non-negative integer, got ${value}`,
    );
  }
  return String(value);
}

function json(command: CommandName, what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CommandFormatError('bad-json', `${command}: ${what} is not JSON`);
  }
}

/** JSON.stringify escapes control characters, so the text never holds a newline. */
function jsonText(command: CommandName, what: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new CommandFormatError('bad-json', `${command}: ${what} cannot be JSON (${String(err)})`);
  }
  if (text === undefined) {
    throw new CommandFormatError('bad-json', `${command}: ${what} cannot be JSON`);
  }
  return text;
}
