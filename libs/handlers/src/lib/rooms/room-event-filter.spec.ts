import { parseRoomEventFilter } from './room-event-filter';

describe('parseRoomEventFilter', () => {
  it('reads the RoomEventFilter keys room reads apply', () => {
    const filter = parseRoomEventFilter(
      JSON.stringify({
        types: ['m.room.*'],
        not_types: ['m.room.member'],
        senders: ['@a:x'],
        not_senders: ['@b:x'],
        contains_url: true,
        lazy_load_members: true,
        limit: 5,
      }),
    );
    expect(filter).toEqual({
      types: ['m.room.*'],
      notTypes: ['m.room.member'],
      senders: ['@a:x'],
      notSenders: ['@b:x'],
      containsUrl: true,
      lazyLoadMembers: true,
      limit: 5,
    });
  });

  it('treats an absent filter as no restriction', () => {
    expect(parseRoomEventFilter(undefined)).toEqual({ lazyLoadMembers: false });
  });

  it.each([
    '{',
    '[]',
    '{"types": "m.room.message"}',
    '{"limit": 0}',
    '{"contains_url": "yes"}',
    '{"senders": [1]}',
  ])('refuses %s with 400 M_INVALID_PARAM', (text) => {
    expect(() => parseRoomEventFilter(text)).toThrow(
      expect.objectContaining({ status: 400, errcode: 'M_INVALID_PARAM' }),
    );
  });
});
