import { formatHistoryToken, parseRoomToken } from './pagination-token';

describe('room tokens', () => {
  it('round-trips history positions', () => {
    const token = formatHistoryToken({ topological: 42, stream: 1007 });
    expect(token).toBe('t42-1007');
    expect(parseRoomToken(token)).toEqual({
      kind: 'history',
      position: { topological: 42, stream: 1007 },
    });
  });

  it('reads live positions, including the room part of composite and multi-writer tokens', () => {
    expect(parseRoomToken('s72594')).toEqual({ kind: 'stream', stream: 72594 });
    expect(parseRoomToken('s72594_4483_1934')).toEqual({ kind: 'stream', stream: 72594 });
    expect(parseRoomToken('m56~2.58~3.59')).toEqual({ kind: 'stream', stream: 56 });
  });

  it.each(['', 'x1', 't1', 't-1-2', 's', 'tabc-1', `t${'9'.repeat(20)}-1`])(
    'refuses %p with 400 M_INVALID_PARAM',
    (text) => {
      expect(() => parseRoomToken(text)).toThrow(
        expect.objectContaining({ status: 400, errcode: 'M_INVALID_PARAM' }),
      );
    },
  );
});
