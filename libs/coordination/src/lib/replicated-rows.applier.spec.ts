import type {
  PushActionsCalculator,
  ReplicatedRoomEvent,
  StreamNotifier,
  TypingOnLeave,
  TypingRow,
  TypingService,
} from '@chat/handlers';
import { CACHE_NAMES, type CacheInvalidations, type EventStore } from '@chat/storage';
import { STREAM_NAMES } from '@chat/streams';

import { ReplicatedRowsApplier } from './replicated-rows.applier';

/** Records what the applier asks of the notifier, the caches and typing. */
function setup() {
  const calls: Array<[string, ...unknown[]]> = [];
  const notifier = {
    recordReplicatedRoomEvents: (e: ReplicatedRoomEvent[]) => calls.push(['record', e]),
    announceReplicatedRoomEvents: (e: ReplicatedRoomEvent[]) => calls.push(['announce', e]),
    replicatedStreamAdvanced: (key: string, targets: unknown) => calls.push(['wake', key, targets]),
    wakeUsersAndRoomPeers: async (key: string, userIds: string[]) =>
      calls.push(['wakeWithRoomPeers', key, userIds]),
  } as unknown as StreamNotifier;
  const events = {
    forgetCachedEvent: (id: string) => calls.push(['forgetEvent', id]),
  } as unknown as EventStore;
  const pushActions = {
    forgetRules: (userId: string) => calls.push(['forgetRules', userId]),
  } as unknown as PushActionsCalculator;
  const typing = {
    applyReplicated: (token: number, rows: readonly TypingRow[]) => {
      calls.push(['typing', token, rows]);
      return rows.map(([roomId]) => roomId);
    },
  } as unknown as TypingService;
  const typingOnLeave = {
    membershipChanged: (roomId: string, userId: string, membership: string | null) =>
      calls.push(['membership', roomId, userId, membership]),
  } as unknown as TypingOnLeave;
  const caches = {
    received: (cache: string, key: readonly string[] | null) => calls.push(['cache', cache, key]),
  } as unknown as CacheInvalidations;
  return {
    calls,
    applier: new ReplicatedRowsApplier(
      notifier,
      events,
      pushActions,
      typing,
      typingOnLeave,
      caches,
    ),
  };
}

const ev = (
  roomId: string,
  type: string,
  extra: { stateKey?: string; redacts?: string; membership?: string; rejected?: boolean } = {},
) => [
  'ev',
  [
    `$${Math.random()}`,
    roomId,
    type,
    extra.stateKey ?? null,
    extra.redacts ?? null,
    null,
    extra.membership ?? null,
    extra.rejected ?? false,
    false,
  ],
];

describe('ReplicatedRowsApplier', () => {
  it('records room events in the change caches before the position moves, and wakes after', async () => {
    const { calls, applier } = setup();
    const rows = [
      ev('!a:x', 'm.room.member', { stateKey: '@bob:x', membership: 'join' }),
      ev('!a:x', 'm.room.message', { rejected: true }),
      ['state', ['!a:x', 'm.room.member', '@bob:x', '$e']],
    ];
    const applied = { stream: STREAM_NAMES.events, writer: 'p1', token: 7, rows };
    applier.invalidate(applied);
    await applier.notify(applied);
    const expected = [
      {
        writer: 'p1',
        pos: 7,
        roomId: '!a:x',
        type: 'm.room.member',
        stateKey: '@bob:x',
        membership: 'join',
      },
    ];
    expect(calls).toEqual([
      ['record', expected],
      ['announce', expected],
      ['membership', '!a:x', '@bob:x', 'join'],
    ]);
  });

  it('drops the cached copy of an event redacted elsewhere', () => {
    const { calls, applier } = setup();
    applier.invalidate({
      stream: STREAM_NAMES.events,
      writer: 'p1',
      token: 8,
      rows: [ev('!a:x', 'm.room.redaction', { redacts: '$old' })],
    });
    expect(calls[0]).toEqual(['forgetEvent', '$old']);
  });

  it('forgets push rules that changed elsewhere, and wakes their users', async () => {
    const { calls, applier } = setup();
    const applied = { stream: STREAM_NAMES.pushRules, writer: 'main', token: 3, rows: [['@u:x']] };
    applier.invalidate(applied);
    await applier.notify(applied);
    expect(calls).toEqual([
      ['forgetRules', '@u:x'],
      ['wake', 'push_rules', { users: ['@u:x'] }],
    ]);
  });

  it('hands each caches row to its cache before the position moves, and wakes no one', async () => {
    const { calls, applier } = setup();
    const tokens = CACHE_NAMES.accessTokens;
    const applied = {
      stream: STREAM_NAMES.caches,
      writer: 'worker2',
      token: 11,
      rows: [
        [tokens, ['h1'], 1],
        [tokens, ['h2'], 1],
        [tokens, null, 1],
      ],
    };
    applier.invalidate(applied);
    await applier.notify(applied);
    expect(calls).toEqual([
      ['cache', tokens, ['h1']],
      ['cache', tokens, ['h2']],
      ['cache', tokens, null],
    ]);
  });

  it('wakes local to-device recipients only, and receipts by room', async () => {
    const { calls, applier } = setup();
    await applier.notify({
      stream: STREAM_NAMES.toDevice,
      writer: 'main',
      token: 4,
      rows: [['@u:x'], ['remote.example'], ['@u:x']],
    });
    await applier.notify({
      stream: STREAM_NAMES.receipts,
      writer: 'main',
      token: 5,
      rows: [['!r:x', 'm.read', '@u:x', '$e', null, {}]],
    });
    expect(calls).toEqual([
      ['wake', 'to_device', { users: ['@u:x'] }],
      ['wake', 'receipt', { rooms: ['!r:x'] }],
    ]);
  });

  it('wakes users whose devices changed with everyone sharing their rooms', async () => {
    const { calls, applier } = setup();
    await applier.notify({
      stream: STREAM_NAMES.deviceLists,
      writer: 'main',
      token: 6,
      rows: [
        ['@d:x', false, false],
        ['@d:x', false, false],
      ],
    });
    expect(calls).toEqual([['wakeWithRoomPeers', 'device_list', ['@d:x', '@d:x']]]);
  });

  it('hands typing rows to the follower state and wakes the rooms it says changed', async () => {
    const { calls, applier } = setup();
    const rows: TypingRow[] = [['!r:x', ['@u:x']]];
    await applier.notify({ stream: STREAM_NAMES.typing, writer: 'w1', token: 9, rows });
    expect(calls).toEqual([
      ['typing', 9, rows],
      ['wake', 'typing', { rooms: ['!r:x'] }],
    ]);
  });
});
