import { CACHE_NAMES, openDatabase, type Storage } from '@chat/storage';
import {
  isWrittenByEveryProcess,
  STREAM_NAMES,
  STREAM_TOKEN_KEYS,
  type StreamKey,
  type StreamName,
} from '@chat/streams';
import { testDatabaseConfigs, type TestDatabase } from '@chat/testing';
import type { ReplicationStream, StreamUpdates } from '../core/replication-stream';
import { StreamRegistry } from '../core/stream-registry';
import type { DbStreamDeps } from './db-replication-stream';
import { createDbStreams, registerDbStreams } from './db-streams';
import { EVENTS_ROW_TYPES, STATE_ALL_THRESHOLD, type EventsStreamRow } from './events.stream';
import { RoomFixture } from './room-events.fixture';
import { StreamRowFormatError } from './row-codec';

const S = STREAM_NAMES;
const DB_STREAMS = [
  S.events,
  S.presence,
  S.receipts,
  S.pushRules,
  S.caches,
  S.deviceLists,
  S.toDevice,
  S.accountData,
] as const;
type DbStream = (typeof DB_STREAMS)[number];
type Update = [number, unknown];

const MAIN = 'main';
const OTHER = 'other';
const ALICE = '@alice:test';
const BOB = '@bob:test';
const CAROL = '@carol:test';
const ZED = '@zed:test';
const ROOM = '!room:test';
const OTHER_ROOM = '!elsewhere:test';
const EV = EVENTS_ROW_TYPES.event;
const STATE = EVENTS_ROW_TYPES.state;
const TOKENS = CACHE_NAMES.accessTokens;
/** Worker mode: only then are cache invalidations written for the others. */
const SHARED = { sharedWithOtherProcesses: true };

/** The stream behind each sync-token part, as handlers' `SyncTokens` builds the token. */
const TOKEN_STREAMS: Record<StreamKey, StreamName | null> = {
  room: S.events,
  presence: S.presence,
  typing: S.typing,
  receipt: S.receipts,
  account_data: S.accountData,
  push_rules: S.pushRules,
  to_device: S.toDevice,
  device_list: S.deviceLists,
  groups: null,
  un_partial_stated_rooms: S.unPartialStatedRoom,
  thread_subscriptions: S.threadSubscriptions,
  sticky_events: S.stickyEvents,
  quarantined_media: S.quarantinedMedia,
};

/** Token parts with no DB stream, and why a client holding them cannot get stuck (§9.4). */
const NOT_DB_BACKED: Partial<Record<StreamKey, string>> = {
  typing: 'in memory on the typing writer: the handlers replicate it over HTTP',
  groups: 'a removed feature whose slot is always 0',
  un_partial_stated_rooms: 'no partial-state joins yet: always 0',
  thread_subscriptions: 'not implemented yet: always 0',
  sticky_events: 'not implemented yet: always 0',
  quarantined_media: 'not implemented yet: always 0',
};

/** Rows each stream must refuse: wrong shape, arity, field kinds or ids. */
const MALFORMED: Record<DbStream, unknown[]> = {
  [S.events]: [
    null,
    'ev',
    [EV],
    [EV, ['$a', ROOM, 't', null, null, null, null, false, false], 'extra'],
    ['evx', [ROOM]],
    [EV, ['not-an-event-id', ROOM, 't', null, null, null, null, false, false]],
    [EV, ['$abc:test', ROOM, 't', null, null, null, null, 'no', false]],
    [EV, ['$abc:test', ROOM, 't', null, null, null, null, false]],
    [STATE, [ROOM, 't', null, '$abc:test']],
    [STATE, ['room', 't', '', '$abc:test']],
    [EVENTS_ROW_TYPES.stateAll, [ROOM, ROOM]],
  ],
  [S.presence]: [
    [ALICE, 'online', 1, 0, 0, null],
    [ALICE, 'away', 1, 0, 0, null, true],
    [ALICE, 'online', -1, 0, 0, null, true],
    [ALICE, 'online', 1.5, 0, 0, null, true],
    [ALICE, 'online', 1, 0, 0, 7, true],
    ['alice', 'online', 1, 0, 0, null, true],
  ],
  [S.receipts]: [
    [ROOM, 'm.read', ALICE, '$abc:test', null],
    [ROOM, 'm.read', ALICE, '$abc:test', null, []],
    [ROOM, 'm.read', ALICE, '$abc:test', null, null],
    [ROOM, 1, ALICE, '$abc:test', null, {}],
    [ALICE, 'm.read', ALICE, '$abc:test', null, {}],
  ],
  [S.pushRules]: [[], [ALICE, ALICE], [null], ['#room:test'], {}],
  [S.deviceLists]: [[ALICE], [ALICE, false, 'false'], [ALICE, 0, 0], [ROOM, false, false]],
  [S.toDevice]: [[ALICE, 'x'], [''], [42], ['!room:test'], 'alice'],
  [S.caches]: [
    [TOKENS, ['h']],
    [TOKENS, [], 1],
    [TOKENS, 'h', 1],
    [TOKENS, [1], 1],
    [null, ['h'], 1],
    [TOKENS, ['h'], -1],
    [TOKENS, ['h'], 1, null],
  ],
  [S.accountData]: [
    [ALICE, null],
    [ALICE, '', 'm.tag'],
    [ALICE, null, null],
    [null, null, 'm.tag'],
    [ALICE, null, 'm.tag', 1],
  ],
};

describe.each(testDatabaseConfigs())('DB-backed replication streams on %s', (_engine, create) => {
  let testDb: TestDatabase;
  let storage: Storage;
  let registry: StreamRegistry;
  /** Main's rows, written in beforeAll: per stream, the range they fill and what it reads as. */
  const start = new Map<DbStream, number>();
  const end = new Map<DbStream, number>();
  const expected = new Map<DbStream, Update[]>();
  /** The other writer's rows, written first. */
  const expectedOther = new Map<DbStream, Update[]>();

  const recorded = <T>(map: Map<DbStream, T>, name: DbStream): T => {
    const value = map.get(name);
    if (value === undefined) throw new Error(`beforeAll recorded nothing for ${name}`);
    return value;
  };
  const deps = (overrides: Partial<DbStreamDeps> = {}): DbStreamDeps => ({
    rows: storage.replicationRows,
    idGenerators: storage.idGenerators,
    streamWriters: {},
    instanceName: MAIN,
    ...overrides,
  });
  const stream = (name: DbStream) => registry.get(name) as ReplicationStream<unknown>;
  const read = (name: DbStream, limit = 1000, writer = MAIN, from?: number, to?: number) =>
    stream(name).getUpdatesSince(
      writer,
      from ?? recorded(start, name),
      to ?? recorded(end, name),
      limit,
    );

  beforeAll(async () => {
    testDb = await create();
    await writeAsOtherWriter();
    storage = await openDatabase(testDb.config, { instanceName: MAIN, ...SHARED });
    registry = new StreamRegistry();
    registerDbStreams(registry, deps());
    for (const name of DB_STREAMS) start.set(name, storage.idGenerators.get(name).currentToken());
    await writeAsMain();
    for (const name of DB_STREAMS) end.set(name, storage.idGenerators.get(name).currentToken());
  });

  afterAll(async () => {
    await storage?.close();
    await testDb?.drop();
  });

  /** One row in every stream, by another instance that wrote this database before main. */
  async function writeAsOtherWriter(): Promise<void> {
    const other = await openDatabase(testDb.config, { instanceName: OTHER, ...SHARED });
    try {
      const room = await RoomFixture.create(other.events, OTHER_ROOM, ZED);
      const [createEvent, join] = room.created;
      expectedOther.set(S.events, [
        [
          createEvent.streamOrdering,
          [
            EV,
            [createEvent.eventId, OTHER_ROOM, 'm.room.create', '', null, null, null, false, false],
          ],
        ],
        [
          createEvent.streamOrdering,
          [STATE, [OTHER_ROOM, 'm.room.create', '', createEvent.eventId]],
        ],
        [
          join.streamOrdering,
          [EV, [join.eventId, OTHER_ROOM, 'm.room.member', ZED, null, null, 'join', false, false]],
        ],
        [join.streamOrdering, [STATE, [OTHER_ROOM, 'm.room.member', ZED, join.eventId]]],
      ]);
      const receipt = await other.receipts.upsertReceipt({
        roomId: OTHER_ROOM,
        receiptType: 'm.read',
        userId: ZED,
        threadId: '',
        eventId: join.eventId,
        data: {},
      });
      expectedOther.set(S.receipts, [
        [receipt, [OTHER_ROOM, 'm.read', ZED, join.eventId, null, {}]],
      ]);
      const data = await other.accountData.putAccountData(ZED, null, 'im.example.other', {});
      expectedOther.set(S.accountData, [[data, [ZED, null, 'im.example.other']]]);
      const sent = await other.toDevice.addMessages({ userId: ZED, deviceId: 'Z1' }, 'txn', [
        { userId: ZED, deviceId: 'Z2', type: 'm.test', content: {} },
      ]);
      expectedOther.set(S.toDevice, [[Number(sent.streamId), [ZED]]]);
      const rules = await other.pushRules.updateUserRules(ZED, () => ({}));
      expectedOther.set(S.pushRules, [[rules, [ZED]]]);
      await other.devices.upsertDevice(ZED, 'Z1', null);
      expectedOther.set(S.deviceLists, [
        [other.devices.deviceListsPosition(), [ZED, false, false]],
      ]);
      const presence = await other.presence.setPresence({
        userId: ZED,
        state: 'unavailable',
        statusMsg: null,
        lastActiveTs: 5,
      });
      expectedOther.set(S.presence, [[presence, [ZED, 'unavailable', 5, 0, 0, null, false]]]);
      const token = await other.devices.addAccessToken({
        tokenHash: 'hash-z',
        userId: ZED,
        deviceId: 'Z1',
        validUntilMs: null,
      });
      await other.devices.deleteAccessToken(token);
      const [invalidated] = await invalidations(other);
      expectedOther.set(S.caches, [[invalidated.streamId, [TOKENS, ['hash-z'], invalidated.ts]]]);
    } finally {
      await other.close();
    }
  }

  async function writeAsMain(): Promise<void> {
    const room = await RoomFixture.create(storage.events, ROOM, ALICE);
    const [createEvent, join] = room.created;
    const [topic, message] = await room.send(
      { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'news' } },
      { type: 'm.room.message', sender: ALICE, content: { body: 'hi' } },
    );
    const relation = { rel_type: 'm.thread', event_id: message.eventId };
    const [reply] = await room.send({
      type: 'm.room.message',
      sender: ALICE,
      content: { body: 're', 'm.relates_to': relation },
    });
    const [invite] = await room.send({
      type: 'm.room.member',
      sender: ALICE,
      stateKey: BOB,
      content: { membership: 'invite' },
    });
    const [redaction] = await room.send({
      type: 'm.room.redaction',
      sender: ALICE,
      redacts: reply.eventId,
    });
    expected.set(S.events, [
      [
        createEvent.streamOrdering,
        [EV, [createEvent.eventId, ROOM, 'm.room.create', '', null, null, null, false, false]],
      ],
      [createEvent.streamOrdering, [STATE, [ROOM, 'm.room.create', '', createEvent.eventId]]],
      [
        join.streamOrdering,
        [EV, [join.eventId, ROOM, 'm.room.member', ALICE, null, null, 'join', false, false]],
      ],
      [join.streamOrdering, [STATE, [ROOM, 'm.room.member', ALICE, join.eventId]]],
      [
        topic.streamOrdering,
        [EV, [topic.eventId, ROOM, 'm.room.topic', '', null, null, null, false, false]],
      ],
      [topic.streamOrdering, [STATE, [ROOM, 'm.room.topic', '', topic.eventId]]],
      [
        message.streamOrdering,
        [EV, [message.eventId, ROOM, 'm.room.message', null, null, null, null, false, false]],
      ],
      [
        reply.streamOrdering,
        [
          EV,
          [reply.eventId, ROOM, 'm.room.message', null, null, message.eventId, null, false, false],
        ],
      ],
      [
        invite.streamOrdering,
        [EV, [invite.eventId, ROOM, 'm.room.member', BOB, null, null, 'invite', false, false]],
      ],
      [invite.streamOrdering, [STATE, [ROOM, 'm.room.member', BOB, invite.eventId]]],
      [
        redaction.streamOrdering,
        [
          EV,
          [
            redaction.eventId,
            ROOM,
            'm.room.redaction',
            null,
            reply.eventId,
            null,
            null,
            false,
            false,
          ],
        ],
      ],
    ]);

    const receipt = (userId: string, threadId: string, eventId: string, ts: number) =>
      storage.receipts.upsertReceipt({
        roomId: ROOM,
        receiptType: 'm.read',
        userId,
        threadId,
        eventId,
        data: { ts },
      });
    await receipt(ALICE, '', message.eventId, 1);
    const bobs = await receipt(BOB, 'main', message.eventId, 2);
    // Replaces Alice's first receipt: it is announced once, under its new token.
    const alices = await receipt(ALICE, '', reply.eventId, 3);
    expected.set(S.receipts, [
      [bobs, [ROOM, 'm.read', BOB, message.eventId, 'main', { ts: 2 }]],
      [alices, [ROOM, 'm.read', ALICE, reply.eventId, null, { ts: 3 }]],
    ]);

    const global = await storage.accountData.putAccountData(ALICE, null, 'im.example.a', { a: 1 });
    const fullyRead = await storage.accountData.putAccountData(ALICE, ROOM, 'm.fully_read', {
      event_id: message.eventId,
    });
    const tags = await storage.accountData.putAccountData(ALICE, ROOM, 'm.tag', {
      tags: { 'm.favourite': {} },
    });
    expected.set(S.accountData, [
      [global, [ALICE, null, 'im.example.a']],
      [fullyRead, [ALICE, ROOM, 'm.fully_read']],
      [tags, [ALICE, ROOM, 'm.tag']],
    ]);

    const send = async (txnId: string, recipients: Array<[string, string]>) => {
      const { streamId } = await storage.toDevice.addMessages(
        { userId: ALICE, deviceId: 'A1' },
        txnId,
        recipients.map(([userId, deviceId]) => ({ userId, deviceId, type: 'm.test', content: {} })),
      );
      return Number(streamId);
    };
    // One send, one token: a row per recipient user, however many of their devices.
    const toMany = await send('t1', [
      [CAROL, 'C1'],
      [BOB, 'B1'],
      [BOB, 'B2'],
      [ALICE, 'A2'],
    ]);
    const toBob = await send('t2', [[BOB, 'B1']]);
    const toTwo = await send('t3', [
      [CAROL, 'C1'],
      [ALICE, 'A2'],
    ]);
    expected.set(S.toDevice, [
      [toMany, [ALICE]],
      [toMany, [BOB]],
      [toMany, [CAROL]],
      [toBob, [BOB]],
      [toTwo, [ALICE]],
      [toTwo, [CAROL]],
    ]);

    const alicesRules = await storage.pushRules.updateUserRules(ALICE, () => ({ a: 1 }));
    const bobsRules = await storage.pushRules.updateUserRules(BOB, () => ({ b: 1 }));
    expected.set(S.pushRules, [
      [alicesRules, [ALICE]],
      [bobsRules, [BOB]],
    ]);

    const deviceChange = async (change: Promise<unknown>) => {
      await change;
      return storage.devices.deviceListsPosition();
    };
    const added = await deviceChange(storage.devices.upsertDevice(ALICE, 'A1', null));
    // Not B1: a new device would drop what was queued for its id above.
    const bobAdded = await deviceChange(storage.devices.upsertDevice(BOB, 'B3', 'phone'));
    const deleted = await deviceChange(storage.devices.deleteDevices(ALICE, ['A1']));
    expected.set(S.deviceLists, [
      [added, [ALICE, false, false]],
      [bobAdded, [BOB, false, false]],
      [deleted, [ALICE, false, false]],
    ]);

    const online = await storage.presence.setPresence({
      userId: ALICE,
      state: 'online',
      statusMsg: 'around',
      lastActiveTs: 1000,
    });
    const offline = await storage.presence.setPresence({
      userId: BOB,
      state: 'offline',
      statusMsg: null,
      lastActiveTs: 2000,
    });
    expected.set(S.presence, [
      [online, [ALICE, 'online', 1000, 0, 0, 'around', true]],
      [offline, [BOB, 'offline', 2000, 0, 0, null, false]],
    ]);

    const token = (hash: string) =>
      storage.devices.addAccessToken({
        tokenHash: hash,
        userId: ALICE,
        deviceId: 'A2',
        validUntilMs: null,
      });
    const logout = await token('hash-b');
    await token('hash-c');
    await token('hash-a');
    await storage.devices.deleteAccessToken(logout);
    // One deletion of two tokens: one stream id, a row per key.
    await storage.devices.deleteAccessTokensForUser(ALICE);
    // Nothing deleted, nothing to say.
    await storage.devices.deleteAccessTokensForUser(ALICE);
    await storage.database.runInteraction('clearTokenCaches', (txn) =>
      storage.cacheInvalidations.invalidateInTxn(txn, TOKENS, null),
    );
    const [one, two, all] = (await invalidations(storage)).slice(-3);
    expected.set(S.caches, [
      [one.streamId, [TOKENS, ['hash-b'], one.ts]],
      [two.streamId, [TOKENS, ['hash-a'], two.ts]],
      [two.streamId, [TOKENS, ['hash-c'], two.ts]],
      [all.streamId, [TOKENS, null, all.ts]],
    ]);
  }

  /** The stream ids and times of the caches rows so far, the times being the writers' clocks. */
  async function invalidations(of: Storage): Promise<Array<{ streamId: number; ts: number }>> {
    const rows = await of.database.query<{ stream_id: string; invalidation_ts: string }>(
      `SELECT stream_id, invalidation_ts FROM cache_invalidation_stream_by_instance
       ORDER BY stream_id`,
    );
    return rows.map((row) => ({
      streamId: Number(row.stream_id),
      ts: Number(row.invalidation_ts),
    }));
  }

  it.each(DB_STREAMS)('%s: reads the writer’s rows back exactly, in token order', async (name) => {
    expect(await read(name)).toEqual({
      updates: expected.get(name),
      uptoToken: end.get(name),
      limited: false,
    });
  });

  it.each(DB_STREAMS)('%s: leaves out the rows of other writers', async (name) => {
    const from = 0;
    const to = recorded(end, name);
    expect((await read(name, 1000, MAIN, from, to)).updates).toEqual(expected.get(name));
    expect(await read(name, 1000, OTHER, from, to)).toEqual({
      updates: expectedOther.get(name),
      uptoToken: to,
      limited: false,
    });
    // Main's range holds none of the other writer's rows.
    expect(await read(name, 1000, OTHER)).toEqual({ updates: [], uptoToken: to, limited: false });
  });

  it.each(DB_STREAMS)('%s: pages join up to the whole, cut only between tokens', async (name) => {
    for (const limit of [1, 2, 3, 5]) {
      const pages = await readAllPages(
        stream(name),
        MAIN,
        recorded(start, name),
        recorded(end, name),
        limit,
      );
      expect(pages.flatMap((page) => page.updates)).toEqual(expected.get(name));
      const seen = new Set<number>();
      let from = recorded(start, name);
      for (const page of pages) {
        const tokens = page.updates.map(([token]) => token);
        // Over the limit only when one token alone is larger.
        if (page.updates.length > limit) expect(new Set(tokens).size).toBe(1);
        for (const token of new Set(tokens)) {
          expect(seen.has(token)).toBe(false);
          seen.add(token);
          expect(token).toBeGreaterThan(from);
          expect(token).toBeLessThanOrEqual(page.uptoToken);
        }
        expect(page.limited).toBe(page.uptoToken < recorded(end, name));
        if (page.limited) expect(page.uptoToken).toBe(tokens[tokens.length - 1]);
        from = page.uptoToken;
      }
      expect(from).toBe(end.get(name));
    }
  });

  it('ends a page before a token that would not fit, or sends a token larger than a page whole', async () => {
    const [[toMany], , , [toBob], [toTwo]] = recorded(expected, S.toDevice);
    const pages = await readAllPages(
      stream(S.toDevice),
      MAIN,
      recorded(start, S.toDevice),
      recorded(end, S.toDevice),
      2,
    );
    expect(pages.map((page) => [page.updates.length, page.uptoToken, page.limited])).toEqual([
      [3, toMany, true], // three recipients under one token: whole, though over the limit
      [1, toBob, true], // the next token's two rows would end the page mid-token
      [2, end.get(S.toDevice), false],
    ]);
    expect(toTwo).toBe(end.get(S.toDevice));

    // An event and the state entry it set share a token: a page of 3 holds one such pair.
    const [first] = await readAllPages(
      stream(S.events),
      MAIN,
      recorded(start, S.events),
      recorded(end, S.events),
      3,
    );
    expect(first.updates).toEqual(recorded(expected, S.events).slice(0, 2));
  });

  it.each(DB_STREAMS)('%s: every row survives encodeRow → JSON → parseRow', async (name) => {
    const rows = [...recorded(expected, name), ...recorded(expectedOther, name)];
    for (const [, row] of rows) {
      const wire = JSON.parse(JSON.stringify(stream(name).encodeRow(row)));
      expect(stream(name).parseRow(wire)).toEqual(row);
    }
  });

  it.each(DB_STREAMS)('%s: refuses malformed rows', (name) => {
    for (const row of MALFORMED[name]) {
      expect(() => stream(name).parseRow(row)).toThrow(StreamRowFormatError);
    }
  });

  it.each(DB_STREAMS)('%s: positions come from the stream’s id generator', (name) => {
    const s = stream(name);
    const last = recorded(end, name);
    expect(s.source).toBe('db');
    expect(s.writers()).toEqual(isWrittenByEveryProcess(name) ? [] : [MAIN]);
    expect(s.currentToken(MAIN)).toBe(last);
    expect(s.minimalLocalCurrentToken()).toBe(last);
    expect(s.canDiscardPosition(MAIN, recorded(start, name), last)).toBe(true);
    expect(s.canDiscardPosition(MAIN, last, last + 1)).toBe(false);
  });

  it('takes each stream’s writers from the configuration', () => {
    const streams = createDbStreams(
      deps({ streamWriters: { [S.events]: ['persister1', 'persister2'], [S.receipts]: [MAIN] } }),
    );
    const writers = new Map(streams.map((s) => [s.name, s.writers()]));
    expect(writers.get(S.events)).toEqual(['persister1', 'persister2']);
    expect(writers.get(S.receipts)).toEqual([MAIN]);
    // Not configured: this instance, as the storage's id generators assume.
    expect(writers.get(S.presence)).toEqual([MAIN]);
    // Written by every process: no list.
    expect(writers.get(S.caches)).toEqual([]);
  });

  it(`replaces ${STATE_ALL_THRESHOLD} state changes of a room in one page by one state-all row`, async () => {
    const room = await RoomFixture.create(storage.events, '!busy:test', ALICE);
    const from = storage.idGenerators.get(S.events).currentToken();
    const persisted = await room.send(
      ...Array.from({ length: STATE_ALL_THRESHOLD }, (_, i) => ({
        type: 'm.example.state',
        sender: ALICE,
        stateKey: `key${i}`,
        content: { i },
      })),
    );
    const to = storage.idGenerators.get(S.events).currentToken();
    const last = persisted[persisted.length - 1].streamOrdering;
    expect(to).toBe(last);

    const page = await read(S.events, 2 * STATE_ALL_THRESHOLD, MAIN, from, to);
    expect(page.limited).toBe(false);
    expect(page.updates.filter((update) => rowType(update) === EV)).toHaveLength(
      STATE_ALL_THRESHOLD,
    );
    expect(page.updates.filter((update) => rowType(update) !== EV)).toEqual([
      [last, [EVENTS_ROW_TYPES.stateAll, ['!busy:test']]],
    ]);

    // Pages of 100 rows hold 50 of them: each change goes out as its own state row.
    const pages = await readAllPages(stream(S.events), MAIN, from, to, 100);
    const types = pages.flatMap((p) => p.updates.map(rowType));
    expect(types.filter((type) => type === STATE)).toHaveLength(STATE_ALL_THRESHOLD);
    expect(types).not.toContain(EVENTS_ROW_TYPES.stateAll);
  });

  it('replicates every DB-backed part of the sync token, and every stream with an id generator', () => {
    const withGenerators = storage.idGenerators.streams();
    for (const key of STREAM_TOKEN_KEYS) {
      const name = TOKEN_STREAMS[key];
      if (NOT_DB_BACKED[key] !== undefined) {
        // Should one of these gain a table, it needs a stream here before it may move.
        if (name !== null) expect(withGenerators).not.toContain(name);
        if (name !== null) expect(registry.get(name)?.source).not.toBe('db');
        continue;
      }
      expect(name).not.toBeNull();
      expect(withGenerators).toContain(name);
      expect(registry.get(name as StreamName)?.source).toBe('db');
    }
    for (const name of withGenerators) expect(registry.get(name)?.source).toBe('db');
  });
});

function rowType([, row]: Update): string {
  return (row as EventsStreamRow)[0];
}

/** Catch-up as the receiver runs it: page after page from `from` until one is not limited. */
async function readAllPages(
  stream: ReplicationStream<unknown>,
  writer: string,
  from: number,
  to: number,
  limit: number,
): Promise<Array<StreamUpdates<unknown>>> {
  const pages: Array<StreamUpdates<unknown>> = [];
  let current = from;
  for (;;) {
    const page = await stream.getUpdatesSince(writer, current, to, limit);
    pages.push(page);
    if (!page.limited) return pages;
    expect(page.uptoToken).toBeGreaterThan(current);
    current = page.uptoToken;
  }
}
