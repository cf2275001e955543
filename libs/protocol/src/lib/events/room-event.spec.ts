import type { Pdu } from './pdu';
import { RoomEvent } from './room-event';
import { getRoomVersion, type RoomVersion } from './room-versions';

const v = (id: string) => getRoomVersion(id) as RoomVersion;

function event(version: string, overrides: Partial<Pdu> = {}, eventId?: string): RoomEvent {
  const pdu: Pdu = {
    type: 'm.room.message',
    room_id: '!r:domain',
    sender: '@u:domain',
    origin_server_ts: 1,
    content: {},
    depth: 2,
    prev_events: ['$p'],
    auth_events: ['$a'],
    hashes: { sha256: 'h' },
    signatures: {},
    ...overrides,
  };
  return new RoomEvent(pdu, v(version), eventId);
}

describe('RoomEvent', () => {
  it('reads references as ids whether they are v1 pairs or plain ids', () => {
    const old = event('1', {
      event_id: '$e:domain',
      prev_events: [['$p:domain', { sha256: 'x' }]],
      auth_events: [['$a:domain', { sha256: 'y' }]],
    });
    expect(old.eventId).toBe('$e:domain');
    expect(old.prevEventIds).toEqual(['$p:domain']);
    expect(old.authEventIds).toEqual(['$a:domain']);
    expect(event('10').prevEventIds).toEqual(['$p']);
  });

  it('uses a given event id instead of hashing the PDU', () => {
    expect(event('10', {}, '$known').eventId).toBe('$known');
    expect(event('10').eventId).toMatch(/^\$[A-Za-z0-9_-]{43}$/);
  });

  it('adds the implicit create event to v12 auth events, except on the create itself', () => {
    const roomId = '!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ';
    expect(event('12', { room_id: roomId }).authEventIdsWithCreate).toEqual([
      '$Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ',
      '$a',
    ]);
    expect(event('12', { room_id: roomId }).authEventIds).toEqual(['$a']);
    expect(event('11').authEventIdsWithCreate).toEqual(['$a']);
    const create = event('12', {
      type: 'm.room.create',
      state_key: '',
      room_id: undefined,
      auth_events: [],
    });
    expect(create.authEventIdsWithCreate).toEqual([]);
    expect(create.roomId).toBe(`!${create.eventId.slice(1)}`);
  });

  it('finds the redaction target top-level before v11 and in content from v11', () => {
    const both = { type: 'm.room.redaction', redacts: '$top', content: { redacts: '$inner' } };
    expect(event('10', both).redacts).toBe('$top');
    expect(event('11', both).redacts).toBe('$inner');
    expect(event('11', { ...both, type: 'm.room.message' }).redacts).toBeUndefined();
  });

  it('treats an empty state key as state and reads membership only from member events', () => {
    const member = event('10', {
      type: 'm.room.member',
      state_key: '',
      content: { membership: 'join' },
    });
    expect(member.isState()).toBe(true);
    expect(member.stateKey).toBe('');
    expect(member.membership).toBe('join');
    expect(event('10', { content: { membership: 'join' } }).membership).toBeUndefined();
    expect(event('10').isState()).toBe(false);
  });
});
