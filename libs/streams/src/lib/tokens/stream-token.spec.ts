import { MultiWriterStreamToken } from './multi-writer-stream-token';
import { RoomStreamToken } from './room-stream-token';
import { STREAM_TOKEN_KEYS, StreamToken } from './stream-token';
import { idFor, nameFor } from './instance-ids.fixture';
import { TokenError } from './token-error';

const parse = (text: string) => StreamToken.parse(text, nameFor);
const text = (token: StreamToken) => token.serialize(idFor);

describe('StreamToken', () => {
  it('keeps the 13 keys in wire order', () => {
    expect(STREAM_TOKEN_KEYS).toEqual([
      'room',
      'presence',
      'typing',
      'receipt',
      'account_data',
      'push_rules',
      'to_device',
      'device_list',
      'groups',
      'un_partial_stated_rooms',
      'thread_subscriptions',
      'sticky_events',
      'quarantined_media',
    ]);
  });

  it('round-trips a full token with multi-writer parts', async () => {
    const full = 'm56~2.58~3.59_4483_1934_m20~1.22_5_6_7_m30~3.31_0_8_9_10_m11~2.12';
    const token = await parse(full);
    expect(await text(token)).toBe(full);
    expect(token.get('room').posFor('persister2')).toBe(59);
    expect(token.get('typing')).toBe(1934);
    expect(token.get('receipt').posFor('main')).toBe(22);
    expect(token.get('device_list').posFor('persister2')).toBe(31);
    expect(token.get('quarantined_media').posFor('persister1')).toBe(12);
  });

  it('pads old tokens with zeros for the missing trailing parts', async () => {
    const token = await parse('s72594_4483_1934');
    expect(token.get('room').min).toBe(72594);
    expect(token.get('presence')).toBe(4483);
    expect(token.get('typing')).toBe(1934);
    expect(token.get('to_device')).toBe(0);
    expect(token.get('quarantined_media').maxPos()).toBe(0);
    expect(await text(token)).toBe('s72594_4483_1934_0_0_0_0_0_0_0_0_0_0');
    expect(await text(await parse('s1'))).toBe('s1_0_0_0_0_0_0_0_0_0_0_0_0');
  });

  it('accepts a historic room part, as /messages hands out', async () => {
    const token = await parse('t12-345_1_2');
    expect(token.get('room').topological).toBe(12);
  });

  it.each([
    ['', 'empty room part'],
    ['s1_2_3_4_5_6_7_8_9_10_11_12_13_14', 'more parts than keys'],
    ['s1__3', 'empty part'],
    ['s1_x', 'non-numeric part'],
    ['s1_-2', 'negative part'],
    ['s1_2_3_s4', 'room form in a multi-writer part'],
    ['s1_m2~2.3', 'multi-writer form in an integer part'],
    ['s1_2_3_m5~2.4', 'entry below the minimum'],
    ['s1_', 'empty trailing part'],
  ])('rejects %j (%s)', async (input) => {
    await expect(parse(input)).rejects.toBeInstanceOf(TokenError);
  });

  describe('operations', () => {
    const a = StreamToken.of({
      room: RoomStreamToken.fromPositions(10, [['persister1', 12]]),
      presence: 3,
      typing: 50,
      receipt: MultiWriterStreamToken.fromPositions(4),
    });
    const b = StreamToken.of({
      room: RoomStreamToken.fromPositions(11),
      presence: 2,
      typing: 40,
      to_device: 7,
    });

    it('copyAndAdvance is a component-wise maximum', async () => {
      expect(await text(a.copyAndAdvance(b))).toBe('m11~2.12_3_50_4_0_0_7_0_0_0_0_0_0');
    });

    it('isBeforeOrEq needs every part at or before', () => {
      expect(a.isBeforeOrEq(b)).toBe(false);
      expect(b.isBeforeOrEq(a)).toBe(false);
      expect(a.isBeforeOrEq(a.copyAndAdvance(b))).toBe(true);
      expect(StreamToken.ZERO.isBeforeOrEq(a)).toBe(true);
    });

    it('advance moves one part forward, never back', async () => {
      expect(await text(a.advance('presence', 9))).toBe('m10~2.12_9_50_4_0_0_0_0_0_0_0_0_0');
      expect(await text(a.advance('presence', 1))).toBe(await text(a));
      expect(await text(a.advance('room', RoomStreamToken.fromPositions(13)))).toMatch(/^s13_/);
    });

    it('advance replaces typing, whose stream restarts with its writer', () => {
      expect(a.advance('typing', 2).get('typing')).toBe(2);
    });

    it('bound clamps the listed streams only', async () => {
      const bounded = a.bound({ room: 11, presence: 1, receipt: 2 });
      expect(await text(bounded)).toBe('m10~2.11_1_50_2_0_0_0_0_0_0_0_0_0');
    });
  });
});
