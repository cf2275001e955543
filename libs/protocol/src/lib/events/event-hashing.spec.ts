import { signingKeyFromSeed } from '../signing';
import {
  checkContentHash,
  computeEventId,
  createEventIdFromRoomId,
  hashAndSignEvent,
  roomIdFromCreateEventId,
} from './event-hashing';
import type { Pdu } from './pdu';
import { getRoomVersion, type RoomVersion } from './room-versions';

const v = (id: string) => getRoomVersion(id) as RoomVersion;
const key = signingKeyFromSeed('1', Buffer.alloc(32, 7));

// The spec's numbers are checked in event-vectors.spec.ts; these are the behaviours around them.
describe('event hashing', () => {
  const pdu: Pdu = {
    type: 'm.room.message',
    room_id: '!r:domain',
    sender: '@u:domain',
    origin_server_ts: 1,
    content: { body: 'hi' },
    depth: 2,
    prev_events: ['$p'],
    auth_events: ['$a'],
    hashes: { sha256: '' },
    signatures: { remote: { 'ed25519:x': 'theirs' } },
  };

  it('adds our signature next to signatures already on the event', () => {
    const signed = hashAndSignEvent(pdu, v('12'), 'domain', key);
    expect(Object.keys(signed.signatures).sort()).toEqual(['domain', 'remote']);
    expect(signed.signatures['remote']).toEqual({ 'ed25519:x': 'theirs' });
    expect(checkContentHash(signed)).toBe(true);
  });

  it('leaves unsigned and signatures out of the event id', () => {
    const signed = hashAndSignEvent(pdu, v('12'), 'domain', key);
    const relayed = { ...signed, unsigned: { age: 5 }, signatures: {} };
    expect(computeEventId(relayed, v('12'))).toBe(computeEventId(signed, v('12')));
  });

  it('refuses to invent an id for a v1/v2 PDU that carries none', () => {
    expect(() => computeEventId(pdu, v('2'))).toThrow();
    expect(computeEventId({ ...pdu, event_id: '$e:domain' }, v('2'))).toBe('$e:domain');
  });

  it('rejects a missing or undecodable content hash', () => {
    expect(checkContentHash({ ...pdu, hashes: {} as Pdu['hashes'] })).toBe(false);
    expect(checkContentHash({ ...pdu, hashes: { sha256: '!!' } })).toBe(false);
  });

  it('maps a v12 create event id to its room id and back', () => {
    const id = '$Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ';
    expect(roomIdFromCreateEventId(id)).toBe('!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ');
    expect(createEventIdFromRoomId(roomIdFromCreateEventId(id))).toBe(id);
  });
});
