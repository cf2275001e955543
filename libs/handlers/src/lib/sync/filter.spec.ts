import { MatrixError } from '@chat/protocol';

import { validateFilter } from './filter';

describe('validateFilter', () => {
  it('keeps every spec key and drops unknown ones', () => {
    const filter = {
      event_fields: ['type', 'content.body'],
      event_format: 'client',
      presence: { types: ['m.presence'], limit: 5 },
      account_data: { not_types: ['x.*'] },
      room: {
        rooms: ['!a:x'],
        not_rooms: ['!b:x'],
        include_leave: true,
        state: { lazy_load_members: true, include_redundant_members: false },
        timeline: { limit: 10, senders: ['@a:x'], not_senders: [], contains_url: false },
        ephemeral: { types: ['m.typing'] },
        account_data: { types: ['m.tag'], unread_thread_notifications: true },
      },
      unknown: 1,
    };
    const { unknown: _unknown, ...expected } = filter;
    expect(validateFilter(filter)).toEqual(expected);
    expect(validateFilter({})).toEqual({});
  });

  it.each([
    ['a non-object', []],
    ['event_fields not strings', { event_fields: [1] }],
    ['an unknown event_format', { event_format: 'xml' }],
    ['a zero limit', { room: { timeline: { limit: 0 } } }],
    ['a fractional limit', { presence: { limit: 1.5 } }],
    ['types as a string', { room: { timeline: { types: 'm.room.message' } } }],
    ['include_leave as a string', { room: { include_leave: 'yes' } }],
    ['lazy_load_members as a number', { room: { state: { lazy_load_members: 1 } } }],
    ['room as a list', { room: [] }],
    ['rooms with a number', { room: { rooms: ['!a:x', 3] } }],
  ])('refuses %s with 400 M_BAD_JSON', (_, value) => {
    expect(() => validateFilter(value)).toThrow(
      expect.objectContaining({ status: 400, errcode: 'M_BAD_JSON' }),
    );
  });

  it('reports query-string filters with the caller’s errcode', () => {
    expect(() => validateFilter({ room: 1 }, MatrixError.invalidParam)).toThrow(
      expect.objectContaining({ errcode: 'M_INVALID_PARAM' }),
    );
  });
});
