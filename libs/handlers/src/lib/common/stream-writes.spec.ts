import type { HomeserverConfig } from '@chat/config';
import { MatrixError } from '@chat/protocol';
import { instanceFor } from '@chat/streams';

import {
  parseStreamWrite,
  parseStreamWriteResult,
  type StreamWriteBody,
  type StreamWriteName,
} from './stream-write-ops';
import { StreamWrites, type RemoteStreamWriters } from './stream-writes';

const MAIN_ONLY = ['main'];

function writesOn(
  self: string | undefined,
  writers: Partial<HomeserverConfig['streamWriters']>,
  remote: RemoteStreamWriters | null,
): StreamWrites {
  const streamWriters = {
    events: MAIN_ONLY,
    typing: MAIN_ONLY,
    to_device: MAIN_ONLY,
    account_data: MAIN_ONLY,
    receipts: MAIN_ONLY,
    presence: MAIN_ONLY,
    push_rules: MAIN_ONLY,
    device_lists: MAIN_ONLY,
    ...writers,
  };
  return new StreamWrites({ workerName: self, streamWriters } as HomeserverConfig, remote);
}

/** Records the calls a process makes to other processes. */
function recordingRemote() {
  const calls: Array<[string, StreamWriteName, unknown]> = [];
  const remote: RemoteStreamWriters = {
    write: async (writer, op, body) => {
      calls.push([writer, op, body]);
    },
  };
  return { calls, remote };
}

const typingBody: StreamWriteBody<'typing_set'> = {
  room_id: '!r:x',
  user_id: '@u:x',
  typing: true,
  timeout_ms: 1000,
};

describe('StreamWrites', () => {
  it('runs a write here when this process writes its stream', async () => {
    const { calls, remote } = recordingRemote();
    const writes = writesOn('writer1', { typing: ['writer1'] }, remote);
    const ran: unknown[] = [];
    writes.serve('typing_set', async (body) => {
      ran.push(body);
    });
    await writes.write('typing_set', typingBody);
    expect(ran).toEqual([typingBody]);
    expect(calls).toEqual([]);
    expect(writes.writesHere('typing')).toBe(true);
    expect(writes.writesHere('presence')).toBe(false);
  });

  it('sends it to the stream’s writer otherwise', async () => {
    const { calls, remote } = recordingRemote();
    const writes = writesOn('worker1', { typing: ['writer1'] }, remote);
    writes.serve('typing_set', () => Promise.reject(new Error('not here')));
    await writes.write('typing_set', typingBody);
    await writes.write('add_tag', { user_id: '@u:x', room_id: '!r:x', tag: 't', content: {} });
    expect(calls).toEqual([
      ['writer1', 'typing_set', typingBody],
      ['main', 'add_tag', { user_id: '@u:x', room_id: '!r:x', tag: 't', content: {} }],
    ]);
  });

  it('picks a writer of a multi-writer stream by the write’s key, or itself when it is one', async () => {
    const { calls, remote } = recordingRemote();
    const receiptWriters = ['r1', 'r2', 'r3'];
    const worker = writesOn('worker1', { receipts: receiptWriters }, remote);
    const receipt = (roomId: string): StreamWriteBody<'receipt_set'> => ({
      room_id: roomId,
      receipt_type: 'm.read',
      user_id: '@u:x',
      event_id: '$e:x',
      thread_id: '',
    });
    const rooms = ['!abc:example.com', '!room2:example.com', '!other:example.com'];
    for (const roomId of rooms) await worker.write('receipt_set', receipt(roomId));
    expect(calls.map(([writer]) => writer)).toEqual(
      rooms.map((roomId) => instanceFor(roomId, receiptWriters)),
    );

    const ran: string[] = [];
    const r2 = writesOn('r2', { receipts: receiptWriters }, remote);
    r2.serve('receipt_set', async (body) => {
      ran.push(body.room_id);
    });
    for (const roomId of rooms) await r2.write('receipt_set', receipt(roomId));
    expect(ran).toEqual(rooms);
  });

  it('gives back what the writer answers, here or from elsewhere, and nothing for other writes', async () => {
    const login = { user_id: '@u:x', device_id: 'D1', display_name: null };
    const writer = writesOn(undefined, {}, null);
    writer.serve('device_login', async () => ({ access_token: 'made here' }));
    expect(await writer.write('device_login', login)).toEqual({ access_token: 'made here' });

    const answers: Record<string, unknown> = {
      device_login: { access_token: 'made on main' },
      devices_delete: {},
    };
    const worker = writesOn('worker1', {}, { write: async (_writer, op) => answers[op] });
    expect(await worker.write('device_login', login)).toEqual({ access_token: 'made on main' });
    expect(await worker.write('devices_delete', { user_id: '@u:x', device_ids: ['D1'] })).toBe(
      undefined,
    );

    answers['device_login'] = { access_token: 42 };
    await expect(worker.write('device_login', login)).rejects.toThrow(
      "device_login: the writer's answer does not fit: access_token must be a string",
    );
  });

  it('refuses a write it cannot place, and a write served twice', async () => {
    const writes = writesOn('worker1', {}, null);
    await expect(
      writes.write('remove_tag', { user_id: '@u:x', room_id: '!r:x', tag: 't' }),
    ).rejects.toThrow('remove_tag belongs to main, but this process has no replication');
    const monolith = writesOn(undefined, {}, null);
    await expect(
      monolith.write('remove_tag', { user_id: '@u:x', room_id: '!r:x', tag: 't' }),
    ).rejects.toThrow('stream write remove_tag has no implementation');
    monolith.serve('remove_tag', async () => undefined);
    expect(() => monolith.serve('remove_tag', async () => undefined)).toThrow('served twice');
  });
});

describe('parseStreamWriteResult', () => {
  it('reads a writer’s answer of the write’s shape; a misfit is a server error, not the client’s', () => {
    expect(parseStreamWriteResult('device_login', { access_token: 't' })).toEqual({
      access_token: 't',
    });
    expect(parseStreamWriteResult('typing_set', { anything: 1 })).toBeUndefined();
    let refusal: unknown;
    try {
      parseStreamWriteResult('device_login', null);
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(Error);
    expect(refusal).not.toBeInstanceOf(MatrixError);
  });
});

describe('parseStreamWrite', () => {
  it('accepts a body of the write’s shape, optional fields absent', () => {
    const body = { user_id: '@u:x', kind: 'content', rule_id: 'r', rule: { actions: [] } };
    expect(parseStreamWrite('push_rule_put', body)).toBe(body);
  });

  it.each([
    ['not an object', 'typing_set', ['!r:x']],
    ['a missing field', 'typing_set', { room_id: '!r:x', user_id: '@u:x', typing: true }],
    ['a string for a boolean', 'typing_set', { ...typingBody, typing: 'yes' }],
    ['null for a string', 'presence_set_state', { user_id: null, state: 'online', is_sync: true }],
    ['numbers for strings', 'devices_delete', { user_id: '@u:x', device_ids: [1] }],
  ] as const)('refuses %s with 400 M_BAD_JSON', (_what, op, body) => {
    let refusal: unknown;
    try {
      parseStreamWrite(op, body);
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(MatrixError);
    expect(refusal).toMatchObject({ status: 400, errcode: 'M_BAD_JSON' });
  });
});
