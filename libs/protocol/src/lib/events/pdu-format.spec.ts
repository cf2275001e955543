import type { Pdu } from './pdu';
import { pduSizeBytes, validatePduFormat } from './pdu-format';
import { getRoomVersion, type RoomVersion } from './room-versions';

const v = (id: string) => getRoomVersion(id) as RoomVersion;

function pdu(overrides: Record<string, unknown> = {}): Pdu {
  return {
    type: 'm.room.message',
    room_id: '!r:domain',
    sender: '@u:domain',
    origin_server_ts: 1,
    content: { body: 'hi' },
    depth: 3,
    prev_events: ['$p'],
    auth_events: ['$a'],
    hashes: { sha256: 'h' },
    signatures: {},
    ...overrides,
  } as Pdu;
}

const badJson = expect.objectContaining({ status: 400, errcode: 'M_BAD_JSON' });
const tooLarge = expect.objectContaining({ status: 413, errcode: 'M_TOO_LARGE' });

describe('validatePduFormat', () => {
  it('accepts a well-formed PDU', () => {
    expect(validatePduFormat(pdu(), v('12'))).toEqual(pdu());
  });

  it.each([
    ['a non-object', 'x'],
    ['a missing type', pdu({ type: undefined })],
    ['a numeric sender', pdu({ sender: 5 })],
    ['a sender that is not a user id', pdu({ sender: 'domain' })],
    ['a missing room_id', pdu({ room_id: undefined })],
    ['content that is not an object', pdu({ content: [] })],
    ['a fractional timestamp', pdu({ origin_server_ts: 1.5 })],
    ['a negative depth', pdu({ depth: -1 })],
    ['a depth beyond 2^53−1', pdu({ depth: 2 ** 53 })],
    ['21 prev_events', pdu({ prev_events: Array.from({ length: 21 }, (_, i) => `$${i}`) })],
    ['11 auth_events', pdu({ auth_events: Array.from({ length: 11 }, (_, i) => `$${i}`) })],
    ['v1-style references in a v3+ room', pdu({ prev_events: [['$p:domain', { sha256: 'x' }]] })],
    ['no hashes', pdu({ hashes: undefined })],
    ['a NUL in the type', pdu({ type: 'a\u0000b' })],
    ['a float in content (v6+ strict canonical JSON)', pdu({ content: { n: 1.5 } })],
    ['a room_id on a v12 create', pdu({ type: 'm.room.create', state_key: '' })],
  ])('refuses %s with 400 M_BAD_JSON', (_, value) => {
    expect(() => validatePduFormat(value, v('12'))).toThrow(badJson);
  });

  it('holds v1/v2 PDUs to their own shape: an event_id and [id, hashes] reference pairs', () => {
    const pair = (id: string) => [id, { sha256: 'x' }];
    const v1 = (overrides: Record<string, unknown>) =>
      pdu({
        event_id: '$e:domain',
        prev_events: [pair('$p:domain')],
        auth_events: [pair('$a:domain')],
        ...overrides,
      });
    expect(() => validatePduFormat(v1({}), v('2'))).not.toThrow();
    expect(() => validatePduFormat(v1({ event_id: undefined }), v('2'))).toThrow(badJson);
    expect(() => validatePduFormat(v1({ prev_events: ['$p:domain'] }), v('2'))).toThrow(badJson);
    expect(() =>
      validatePduFormat(v1({ auth_events: [['$a:domain', { sha256: 'x' }, 'extra']] }), v('1')),
    ).toThrow(badJson);
  });

  it('lets a v12 create go without room_id, and tolerates floats before v6', () => {
    expect(() =>
      validatePduFormat(pdu({ type: 'm.room.create', state_key: '', room_id: undefined }), v('12')),
    ).not.toThrow();
    expect(() => validatePduFormat(pdu({ content: { n: 1.5 } }), v('5'))).not.toThrow();
  });

  it('refuses an event over 65,536 bytes and fields over 255 bytes with 413 M_TOO_LARGE', () => {
    const big = pdu({ content: { body: 'x'.repeat(65_536) } });
    expect(pduSizeBytes(big)).toBeGreaterThan(65_536);
    expect(() => validatePduFormat(big, v('12'))).toThrow(tooLarge);
    expect(() => validatePduFormat(pdu({ type: 't'.repeat(256) }), v('12'))).toThrow(tooLarge);
    expect(() => validatePduFormat(pdu({ state_key: 'é'.repeat(128) }), v('12'))).toThrow(tooLarge);
    const longSender = `@${'u'.repeat(248)}:domain`;
    expect(() => validatePduFormat(pdu({ sender: longSender }), v('12'))).toThrow(tooLarge);
    expect(() =>
      validatePduFormat(pdu({ content: { body: 'x'.repeat(65_000) } }), v('12')),
    ).not.toThrow();
  });
});
