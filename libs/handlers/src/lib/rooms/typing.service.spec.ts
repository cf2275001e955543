import type { Requester } from '@chat/platform';

import { monolithStreamWrites } from '../common/stream-writes.fixture';
import type { RoomStateService } from './room-state.service';
import { TypingService, type TypingChange } from './typing.service';

const ROOM = '!room:example.org';
const alice: Requester = {
  userId: '@alice:example.org',
  deviceId: 'A',
  isGuest: false,
  accessTokenId: 1,
};
const bob: Requester = {
  userId: '@bob:example.org',
  deviceId: 'B',
  isGuest: false,
  accessTokenId: 2,
};

function service(members: Record<string, string> = {}): TypingService {
  const state = {
    membership: async (_roomId: string, userId: string) => members[userId] ?? null,
  } as unknown as RoomStateService;
  return new TypingService(state, monolithStreamWrites());
}

describe('TypingService', () => {
  let typing: TypingService;
  let changes: TypingChange[];

  beforeEach(() => {
    jest.useFakeTimers();
    typing = service({ [alice.userId]: 'join', [bob.userId]: 'join' });
    changes = [];
    typing.onChange((change) => changes.push(change));
  });

  afterEach(() => {
    typing.onModuleDestroy();
    jest.useRealTimers();
  });

  it('lists typing users and expires them after their timeout', async () => {
    await typing.setTyping(alice, ROOM, alice.userId, true, 5_000);
    await typing.setTyping(bob, ROOM, bob.userId, true, 10_000);
    expect(typing.typingUsers(ROOM)).toEqual([alice.userId, bob.userId]);

    jest.advanceTimersByTime(4_999);
    expect(typing.typingUsers(ROOM)).toEqual([alice.userId, bob.userId]);
    jest.advanceTimersByTime(1);
    expect(typing.typingUsers(ROOM)).toEqual([bob.userId]);
    jest.advanceTimersByTime(5_000);
    expect(typing.typingUsers(ROOM)).toEqual([]);

    expect(changes).toEqual([
      { position: 1, roomId: ROOM, userIds: [alice.userId] },
      { position: 2, roomId: ROOM, userIds: [alice.userId, bob.userId] },
      { position: 3, roomId: ROOM, userIds: [bob.userId] },
      { position: 4, roomId: ROOM, userIds: [] },
    ]);
    expect(typing.currentPosition()).toBe(4);
  });

  it('defaults the timeout to 30 s and caps it at 120 s', async () => {
    await typing.setTyping(alice, ROOM, alice.userId, true);
    await typing.setTyping(bob, ROOM, bob.userId, true, 3_600_000);
    jest.advanceTimersByTime(30_000);
    expect(typing.typingUsers(ROOM)).toEqual([bob.userId]);
    jest.advanceTimersByTime(90_000);
    expect(typing.typingUsers(ROOM)).toEqual([]);
  });

  it('renews the timeout of a user already typing without a new stream row', async () => {
    await typing.setTyping(alice, ROOM, alice.userId, true, 10_000);
    jest.advanceTimersByTime(8_000);
    await typing.setTyping(alice, ROOM, alice.userId, true, 10_000);
    jest.advanceTimersByTime(8_000);
    expect(typing.typingUsers(ROOM)).toEqual([alice.userId]);
    expect(changes).toHaveLength(1);
    jest.advanceTimersByTime(2_000);
    expect(typing.typingUsers(ROOM)).toEqual([]);
    expect(changes.map((c) => c.position)).toEqual([1, 2]);
  });

  it('stops typing on request, and stopping when not typing changes nothing', async () => {
    await typing.setTyping(alice, ROOM, alice.userId, false);
    expect(changes).toEqual([]);
    await typing.setTyping(alice, ROOM, alice.userId, true, 10_000);
    await typing.setTyping(alice, ROOM, alice.userId, false);
    expect(typing.typingUsers(ROOM)).toEqual([]);
    expect(changes.map((c) => c.userIds)).toEqual([[alice.userId], []]);
    // The cancelled timer must not fire a further change.
    jest.advanceTimersByTime(20_000);
    expect(changes).toHaveLength(2);
  });

  it('keeps rooms apart', async () => {
    await typing.setTyping(alice, ROOM, alice.userId, true);
    await typing.setTyping(alice, '!other:example.org', alice.userId, true);
    typing.stop(ROOM, alice.userId);
    expect(typing.typingUsers(ROOM)).toEqual([]);
    expect(typing.typingUsers('!other:example.org')).toEqual([alice.userId]);
  });

  it("refuses to set another user's typing state with 403", async () => {
    await expect(typing.setTyping(alice, ROOM, bob.userId, true)).rejects.toMatchObject({
      status: 403,
      errcode: 'M_FORBIDDEN',
    });
    expect(changes).toEqual([]);
  });

  it.each([null, 'invite', 'leave', 'ban'])('refuses members with membership %p', async (m) => {
    const t = service(m ? { [alice.userId]: m } : {});
    await expect(t.setTyping(alice, ROOM, alice.userId, true)).rejects.toMatchObject({
      status: 403,
      errcode: 'M_FORBIDDEN',
    });
    expect(t.typingUsers(ROOM)).toEqual([]);
  });

  it('clears pending timers on module destroy', async () => {
    await typing.setTyping(alice, ROOM, alice.userId, true);
    typing.onModuleDestroy();
    expect(jest.getTimerCount()).toBe(0);
    expect(typing.typingUsers(ROOM)).toEqual([]);
  });

  it('stops notifying a listener that unsubscribed', async () => {
    const seen: TypingChange[] = [];
    const unsubscribe = typing.onChange((c) => seen.push(c));
    unsubscribe();
    await typing.setTyping(alice, ROOM, alice.userId, true);
    expect(seen).toEqual([]);
    expect(changes).toHaveLength(1);
  });

  it('serves its rows for catch-up: each room’s latest list, oldest first, paged', async () => {
    const other = '!other:example.org';
    await typing.setTyping(alice, ROOM, alice.userId, true);
    await typing.setTyping(alice, other, alice.userId, true);
    await typing.setTyping(bob, ROOM, bob.userId, true);
    expect(typing.writerPosition()).toBe(3);
    expect(typing.changesSince(0, 3, 10)).toEqual({
      changes: [
        { position: 2, roomId: other, userIds: [alice.userId] },
        { position: 3, roomId: ROOM, userIds: [alice.userId, bob.userId] },
      ],
      limited: false,
    });
    expect(typing.changesSince(0, 3, 1)).toEqual({
      changes: [{ position: 2, roomId: other, userIds: [alice.userId] }],
      limited: true,
    });
    expect(typing.changesSince(2, 2, 10).changes).toEqual([]);
  });
});

describe('TypingService following the writer', () => {
  const ROOM2 = '!two:example.org';
  let follower: TypingService;

  beforeEach(() => {
    const state = { membership: async () => 'join' } as unknown as RoomStateService;
    follower = new TypingService(state, monolithStreamWrites());
  });

  it('takes each row as the room’s whole list, at the writer’s token', () => {
    expect(follower.applyReplicated(4, [[ROOM, [alice.userId]]])).toEqual([ROOM]);
    expect(follower.applyReplicated(5, [[ROOM, [alice.userId, bob.userId]]])).toEqual([ROOM]);
    expect(follower.applyReplicated(6, [])).toEqual([]);
    expect(follower.typingUsers(ROOM)).toEqual([alice.userId, bob.userId]);
    expect(follower.currentPosition()).toBe(6);
    expect(follower.writerPosition()).toBe(6);
    expect(follower.lastChange(ROOM)).toBe(5);
    follower.applyReplicated(7, [[ROOM, []]]);
    expect(follower.typingUsers(ROOM)).toEqual([]);
    expect(follower.lastChange(ROOM)).toBe(7);
  });

  it('empties every list when the writer restarts, and keeps its own positions rising', () => {
    follower.applyReplicated(4, [[ROOM, [alice.userId]]]);
    follower.applyReplicated(5, [[ROOM2, [bob.userId]]]);
    // The restarted writer announces position 0: nobody types any more.
    expect(follower.applyReplicated(0, []).sort()).toEqual([ROOM, ROOM2].sort());
    expect(follower.typingUsers(ROOM)).toEqual([]);
    expect(follower.typingUsers(ROOM2)).toEqual([]);
    expect(follower.writerPosition()).toBe(0);
    const afterRestart = follower.currentPosition();
    expect(afterRestart).toBeGreaterThan(5);
    expect(follower.lastChange(ROOM)).toBe(afterRestart);
    // The writer's first new row lands above every position handed out before.
    follower.applyReplicated(1, [[ROOM, [bob.userId]]]);
    expect(follower.currentPosition()).toBe(afterRestart + 1);
    expect(follower.lastChange(ROOM)).toBe(afterRestart + 1);
    expect(follower.typingUsers(ROOM)).toEqual([bob.userId]);
  });
});
