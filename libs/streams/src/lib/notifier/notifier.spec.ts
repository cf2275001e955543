import { isRowInRange } from '../tokens/multi-writer-token';
import { RoomStreamToken } from '../tokens/room-stream-token';
import { StreamToken } from '../tokens/stream-token';
import { Notifier, type RoomEventEntry } from './notifier';

const MINUTE = 60_000;

/** A process with a room event log, its current token, and a sync handler's callback. */
class World {
  readonly log: RoomEventEntry[] = [];
  current = StreamToken.of({ room: RoomStreamToken.fromPositions(1) });
  readonly notifier = new Notifier({ currentToken: () => this.current });

  /** Persists events and announces them once `room` (the persisted-up-to token) is reached. */
  persist(entries: RoomEventEntry[], room: RoomStreamToken): void {
    this.log.push(...entries);
    this.current = this.current.advance('room', room);
    this.notifier.notifyNewRoomEvents(entries, room);
  }

  /** Like a /sync handler: the room events in `(prev, current]` for the user's rooms. */
  syncCallback(rooms: readonly string[]) {
    const calls: Array<[StreamToken, StreamToken]> = [];
    const callback = (prev: StreamToken, current: StreamToken) => {
      calls.push([prev, current]);
      const events = this.log.filter(
        (e) =>
          rooms.includes(e.roomId) &&
          isRowInRange(prev.get('room'), current.get('room'), e.writer, e.pos),
      );
      return events.length > 0 ? events : null;
    };
    return { calls, callback };
  }
}

const message = (roomId: string, pos: number, writer = 'main'): RoomEventEntry => ({
  writer,
  pos,
  roomId,
  type: 'm.room.message',
});

const join = (roomId: string, userId: string, pos: number): RoomEventEntry => ({
  writer: 'main',
  pos,
  roomId,
  type: 'm.room.member',
  stateKey: userId,
  membership: 'join',
});

/** Settles the promise callbacks queued so far, without moving fake time. */
const flush = () =>
  new Promise<void>((resolve) => jest.requireActual('timers').setImmediate(resolve));

describe('Notifier', () => {
  let world: World;

  beforeEach(() => {
    jest.useFakeTimers();
    world = new World();
  });

  afterEach(() => {
    world.notifier.close();
    jest.useRealTimers();
  });

  it('wakes a waiting sync at once when an event lands in one of its rooms', async () => {
    const since = world.current;
    const { callback } = world.syncCallback(['!a']);
    const result = world.notifier.waitForEvents('@alice', ['!a'], since, 30_000, callback);
    await flush();

    world.persist([message('!a', 2)], RoomStreamToken.fromPositions(2));

    // No timer moved: the wake came from the notification itself, not from polling.
    await expect(result).resolves.toEqual([message('!a', 2)]);
  });

  it('wakes a user-targeted event for that user only', async () => {
    const since = world.current;
    const toDevice = (prev: StreamToken, current: StreamToken) =>
      current.get('to_device') > prev.get('to_device') ? current.get('to_device') : null;
    const alice = world.notifier.waitForEvents('@alice', ['!a'], since, 30_000, toDevice);
    const bobCallback = jest.fn(toDevice);
    const bob = world.notifier.waitForEvents('@bob', ['!a'], since, 30_000, bobCallback);
    await flush();

    world.current = world.current.advance('to_device', 3);
    world.notifier.onNewEvent('to_device', 3, { users: ['@alice'] });

    await expect(alice).resolves.toBe(3);
    expect(bobCallback).not.toHaveBeenCalled();
    jest.advanceTimersByTime(30_000);
    await expect(bob).resolves.toBeNull();
    expect(bobCallback).toHaveBeenCalledTimes(1);
  });

  it('returns the empty result after the timeout, running the callback once', async () => {
    const since = world.current;
    const { calls, callback } = world.syncCallback(['!a']);
    const result = world.notifier.waitForEvents('@alice', ['!a'], since, 1_000, callback);
    await flush();
    jest.advanceTimersByTime(999);
    await flush();
    expect(calls).toHaveLength(0);

    jest.advanceTimersByTime(1);
    await expect(result).resolves.toBeNull();
    expect(calls).toEqual([[since, since]]);
  });

  it('answers at once with a zero timeout', async () => {
    const { calls, callback } = world.syncCallback(['!a']);
    world.log.push(message('!a', 2));
    const since = world.current;
    world.current = world.current.advance('room', RoomStreamToken.fromPositions(2));
    await expect(
      world.notifier.waitForEvents('@alice', ['!a'], since, 0, callback),
    ).resolves.toEqual([message('!a', 2)]);
    expect(calls).toHaveLength(1);
  });

  it('answers at once when the stream is already past the since token', async () => {
    const since = world.current;
    world.notifier.waitForEvents('@alice', ['!a'], since, 0, () => null);
    world.persist([message('!a', 2)], RoomStreamToken.fromPositions(2));
    const { callback } = world.syncCallback(['!a']);
    await expect(
      world.notifier.waitForEvents('@alice', ['!a'], since, 30_000, callback),
    ).resolves.toEqual([message('!a', 2)]);
  });

  it('does not wake users outside the room', async () => {
    const since = world.current;
    const { calls, callback } = world.syncCallback(['!b']);
    const result = world.notifier.waitForEvents('@bob', ['!b'], since, 5_000, callback);
    await flush();

    world.persist([message('!a', 2)], RoomStreamToken.fromPositions(2));
    await flush();
    expect(calls).toHaveLength(0);

    jest.advanceTimersByTime(5_000);
    await expect(result).resolves.toBeNull();
    expect(calls).toHaveLength(1);
  });

  it('keeps waiting when a wake finds nothing, until something relevant arrives', async () => {
    const since = world.current;
    const { calls, callback } = world.syncCallback(['!a']);
    const result = world.notifier.waitForEvents('@alice', ['!a', '!b'], since, 30_000, callback);
    await flush();

    // Woken for !b, which this callback filters out: it reports empty and the wait goes on.
    world.persist([message('!b', 2)], RoomStreamToken.fromPositions(2));
    await flush();
    expect(calls).toHaveLength(1);

    world.persist([message('!a', 3)], RoomStreamToken.fromPositions(3));
    await expect(result).resolves.toEqual([message('!a', 3)]);
    expect(calls[1][0].get('room').min).toBe(2);
  });

  it('holds room events until their writer’s position covers them', async () => {
    const since = world.current;
    const { calls, callback } = world.syncCallback(['!a']);
    const result = world.notifier.waitForEvents('@alice', ['!a'], since, 30_000, callback);
    await flush();

    // persister2 wrote 7, but its position is still 5: the event must stay unannounced.
    world.notifier.notifyNewRoomEvents(
      [message('!a', 7, 'persister2')],
      RoomStreamToken.fromPositions(5, [['persister1', 6]]),
    );
    world.log.push(message('!a', 7, 'persister2'));
    await flush();
    expect(calls).toHaveLength(0);

    world.persist(
      [],
      RoomStreamToken.fromPositions(5, [
        ['persister1', 6],
        ['persister2', 7],
      ]),
    );
    await expect(result).resolves.toEqual([message('!a', 7, 'persister2')]);
  });

  it('adds a joining user to the room index', async () => {
    const since = world.current;
    const first = world.syncCallback(['!a']);
    const joined = world.notifier.waitForEvents('@bob', [], since, 30_000, first.callback);
    await flush();

    // Bob's own join wakes him although he was not in the room yet.
    world.persist([join('!a', '@bob', 2)], RoomStreamToken.fromPositions(2));
    await expect(joined).resolves.toEqual([join('!a', '@bob', 2)]);

    // Later messages in the room wake him too, though his caller still lists no rooms.
    const second = world.syncCallback(['!a']);
    const next = world.notifier.waitForEvents('@bob', [], world.current, 30_000, second.callback);
    await flush();
    world.persist([message('!a', 3)], RoomStreamToken.fromPositions(3));
    await expect(next).resolves.toEqual([message('!a', 3)]);
  });

  it('drops user streams nobody has waited on for ten minutes', async () => {
    await world.notifier.waitForEvents('@bob', [], world.current, 0, () => null);
    world.persist([join('!a', '@bob', 2)], RoomStreamToken.fromPositions(2));

    // Bob's callers list no rooms: only the stream's own index knows he joined !a.
    const wokenByRoomA = async () => {
      const { calls, callback } = world.syncCallback(['!a']);
      const result = world.notifier.waitForEvents('@bob', [], world.current, 1_000, callback);
      await flush();
      const pos = world.current.get('room').min + 1;
      world.persist([message('!a', pos)], RoomStreamToken.fromPositions(pos));
      await flush();
      const woken = calls.length > 0;
      jest.advanceTimersByTime(1_000);
      await result;
      return woken;
    };

    jest.advanceTimersByTime(5 * MINUTE);
    expect(await wokenByRoomA()).toBe(true);

    jest.advanceTimersByTime(21 * MINUTE);
    expect(await wokenByRoomA()).toBe(false);
  });
});
