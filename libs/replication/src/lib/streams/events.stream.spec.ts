import { compactStateRows, EVENTS_ROW_TYPES, type EventsStreamRow } from './events.stream';

const { event: EV, state: STATE, stateAll: STATE_ALL } = EVENTS_ROW_TYPES;

function ev(eventId: string, roomId: string): EventsStreamRow {
  return [EV, [eventId, roomId, 'm.example', '', null, null, null, false, false]];
}

function state(roomId: string, key: string): EventsStreamRow {
  return [STATE, [roomId, 'm.example', key, `$${key}:test`]];
}

describe('compactStateRows', () => {
  it('replaces a busy room’s state rows by one state-all row at the last of their tokens', () => {
    const page: Array<[number, EventsStreamRow]> = [
      [2, ev('$a:test', '!busy:test')],
      [2, state('!busy:test', 'a')],
      [3, state('!quiet:test', 'q')],
      [4, ev('$b:test', '!busy:test')],
      [4, state('!busy:test', 'b')],
      [5, state('!busy:test', 'c')],
      [6, ev('$z:test', '!quiet:test')],
    ];
    expect(compactStateRows(page, 3)).toEqual([
      [2, ev('$a:test', '!busy:test')],
      [3, state('!quiet:test', 'q')],
      [4, ev('$b:test', '!busy:test')],
      [5, [STATE_ALL, ['!busy:test']]],
      [6, ev('$z:test', '!quiet:test')],
    ]);
  });

  it('leaves a page below the threshold as it is', () => {
    const page: Array<[number, EventsStreamRow]> = [
      [2, state('!room:test', 'a')],
      [3, state('!room:test', 'b')],
    ];
    expect(compactStateRows(page, 3)).toBe(page);
  });
});
