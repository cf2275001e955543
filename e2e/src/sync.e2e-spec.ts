import { OpenApiValidator, type RunningServer, startServerProcess } from '@chat/testing';
import {
  ClientEvent,
  Direction,
  EventType,
  MsgType,
  type MatrixClient,
  type MatrixEvent,
  Preset,
  RoomEvent,
  RoomMemberEvent,
  SetPresence,
  SyncState,
  UserEvent,
} from 'matrix-js-sdk';
import { messageIds, putMessage } from './support/messages';
import { pooled } from './support/pooled';
import { registeredClient } from './support/registered-client';
import { type ApiPrefix, SdkHarness } from './support/sdk-harness';
import { settleSdkForSyncLoops } from './support/sdk-process';
import { syncOnce } from './support/sync-api';
import { waitFor, waitForSyncState } from './support/sdk-wait';

/** Bob's initial sync shows this many events: the conversation, not the joins before it. */
const INITIAL_SYNC_LIMIT = 4;
const OFFLINE_MESSAGES = 1_000;
const IN_FLIGHT = 20;
/** Below the server's default timeline limit (10), so no live sync here has a gap. */
const RESTART_MESSAGES = 3;
const PAGE = 100;
const MAX_PAGES = 50;
const TO_DEVICE_TYPE = 'org.example.sync_test';

/** The prefix is a rewrite in front of the same server, so one engine covers `/chat`. */
const CASES: ReadonlyArray<readonly ['sqlite' | 'postgres', readonly ApiPrefix[]]> = [
  ['sqlite', ['/_matrix', '/chat']],
  ['postgres', ['/_matrix']],
];

const bodyOf = (event: MatrixEvent): unknown => event.getContent()['body'];

settleSdkForSyncLoops();

describe.each(CASES)('sync (%s)', (engine, prefixes) => {
  let server: RunningServer;
  let validator: OpenApiValidator;

  beforeAll(async () => {
    validator = await OpenApiValidator.load();
    server = await startServerProcess({ engine });
  });

  afterAll(async () => {
    await server?.stop();
  });

  describe.each(prefixes)('through %s', (prefix) => {
    const tag = prefix === '/chat' ? 'chat' : 'matrix';
    const userId = (name: string) => `@${name}_${tag}:localhost`;
    const [aliceId, bobId, carolId, daveId] = ['alice', 'bob', 'carol', 'dave'].map(userId);
    let sdk: SdkHarness;
    let alice: MatrixClient;
    let bob: MatrixClient;
    /** Where carol and alice talk while dave, also a member, stays silent. */
    let roomId: string;
    /** Alice's and bob's room for the restart and the offline catch-up. */
    let restartRoom: string;
    /** Ids of the messages in `restartRoom` in the order bob's /sync responses carried them. */
    const bobSaw: string[] = [];

    beforeAll(async () => {
      sdk = new SdkHarness(server.baseUrl, prefix, validator);
      let carol: MatrixClient;
      let dave: MatrixClient;
      [alice, bob, carol, dave] = await Promise.all(
        ['alice', 'bob', 'carol', 'dave'].map((name) =>
          registeredClient(server, sdk, `${name}_${tag}`),
        ),
      );
      ({ room_id: roomId } = await alice.createRoom({ name: 'Sync', preset: Preset.PublicChat }));
      for (const client of [bob, carol, dave]) await client.joinRoom(roomId);
      await carol.setDisplayName('Carol Speaker');
      await dave.setDisplayName('Dave Listener');
      for (const [client, body] of [
        [carol, 'carol 1'],
        [alice, 'alice 1'],
        [carol, 'carol 2'],
        [alice, 'alice 2'],
      ] as const) {
        await client.sendTextMessage(roomId, body);
      }
    });

    afterAll(() => sdk.stopAll());

    it("starts alice's and bob's sync loops; bob's initial timeline is the newest events", async () => {
      const opts = { lazyLoadMembers: true, initialSyncLimit: INITIAL_SYNC_LIMIT };
      await Promise.all([alice.startClient(opts), bob.startClient(opts)]);
      await Promise.all(
        [alice, bob].map((c) => waitForSyncState(c, [SyncState.Prepared, SyncState.Syncing])),
      );
      const timeline = bob.getRoom(roomId)?.getLiveTimeline().getEvents() ?? [];
      expect(timeline.map(bodyOf)).toEqual(['carol 1', 'alice 1', 'carol 2', 'alice 2']);
    });

    it('lazy-loads members: the speakers come with their display names, the silent one not', async () => {
      const room = bob.getRoom(roomId);
      expect(room?.getMember(carolId)?.name).toBe('Carol Speaker');
      expect(room?.getMember(aliceId)?.membership).toBe('join');
      expect(room?.getMember(bobId)?.membership).toBe('join');
      expect(room?.getMember(daveId)).toBeNull();
      // The summary still counts everyone.
      expect(room?.getJoinedMemberCount()).toBe(4);

      // What a client does when the member list is opened.
      await room?.loadMembersIfNeeded();
      expect(room?.getMember(daveId)?.name).toBe('Dave Listener');
    });

    it("delivers alice's message to bob and resolves alice's local echo to its remote event", async () => {
      const body = `hello bob, via ${prefix}`;
      const txnId = `sync-e2e-${tag}`;
      const aliceRoom = alice.getRoom(roomId);
      const since = alice.store.getSyncToken();
      expect(since).toEqual(expect.any(String));

      const atBob = waitFor(bob, [RoomEvent.Timeline], `bob's client to show "${body}"`, () =>
        bob
          .getRoom(roomId)
          ?.getLiveTimeline()
          .getEvents()
          .find((e) => bodyOf(e) === body),
      );
      const { event_id: eventId } = await alice.sendEvent(
        roomId,
        EventType.RoomMessage,
        { msgtype: MsgType.Text, body },
        txnId,
      );
      const received = await atBob;
      expect(received.getId()).toBe(eventId);
      expect(received.getSender()).toBe(aliceId);
      expect(received.getContent()).toEqual({ msgtype: 'm.text', body });
      expect(received.getUnsigned().transaction_id).toBeUndefined();

      // The local echo counts as resolved once /sync brought the event back (status null).
      await waitFor(
        alice,
        [RoomEvent.LocalEchoUpdated, RoomEvent.Timeline],
        "alice's local echo to be resolved by its remote echo",
        () => aliceRoom?.findEventById(eventId)?.status === null,
      );
      const echoes = aliceRoom
        ?.getLiveTimeline()
        .getEvents()
        .filter((e) => bodyOf(e) === body);
      expect(echoes?.map((e) => e.getId())).toEqual([eventId]);

      // The SDK would match its echo by event id alone; the wire must carry the txn id.
      const raw = await syncOnce(alice, {
        since: since as string,
        filter: { room: { rooms: [roomId], timeline: { limit: 10 } } },
      });
      const remote = raw.rooms?.join?.[roomId]?.timeline.events.find((e) => e.event_id === eventId);
      expect(remote?.unsigned?.transaction_id).toBe(txnId);
    });

    it('shows bob when alice starts and stops typing', async () => {
      const typing = (value: boolean) =>
        waitFor(bob, [RoomMemberEvent.Typing], `bob to see alice typing: ${value}`, () =>
          bob.getRoom(roomId)?.getMember(aliceId)?.typing === value ? true : undefined,
        );
      const started = typing(true);
      await alice.sendTyping(roomId, true, 30_000);
      await started;
      const stopped = typing(false);
      await alice.sendTyping(roomId, false, 0);
      await stopped;
    });

    it("delivers bob's read receipt to alice", async () => {
      const last = bob.getRoom(roomId)?.getLiveTimeline().getEvents().at(-1);
      const aliceRoom = alice.getRoom(roomId);
      const target = aliceRoom?.findEventById(last?.getId() ?? '');
      expect(target).toBeDefined();

      const receipt = waitFor(alice, [RoomEvent.Receipt], "alice to see bob's read receipt", () =>
        aliceRoom
          ?.getReceiptsForEvent(target as MatrixEvent)
          .find((r) => r.userId === bobId && r.type === 'm.read'),
      );
      await bob.sendReadReceipt(last as MatrixEvent);
      expect((await receipt).data.ts).toEqual(expect.any(Number));
    });

    it("shows bob alice's presence and status message", async () => {
      const statusMsg = `in a meeting (${tag})`;
      const seen = waitFor(
        bob,
        [UserEvent.Presence, ClientEvent.Event],
        `bob to see alice unavailable with "${statusMsg}"`,
        () => {
          const user = bob.getUser(aliceId);
          return user?.presence === 'unavailable' && user.presenceStatusMsg === statusMsg;
        },
      );
      // Otherwise alice's own sync loop reports her online again (set_presence's default).
      await alice.setSyncPresence(SetPresence.Unavailable);
      await alice.setPresence({ presence: 'unavailable', status_msg: statusMsg });
      await seen;
    });

    it("delivers to-device messages to bob's device exactly once, in order", async () => {
      const received: MatrixEvent[] = [];
      const onToDevice = (event: MatrixEvent): void => {
        if (event.getType() === TO_DEVICE_TYPE) received.push(event);
      };
      const deviceId = bob.getDeviceId() as string;
      const send = (seq: number) =>
        alice.sendToDevice(TO_DEVICE_TYPE, new Map([[bobId, new Map([[deviceId, { seq }]])]]));
      const arrived = (seq: number) =>
        waitFor(bob, [ClientEvent.ToDeviceEvent], `to-device message ${seq} at bob`, () =>
          received.find((e) => e.getContent()['seq'] === seq),
        );

      bob.on(ClientEvent.ToDeviceEvent, onToDevice);
      try {
        const first = arrived(1);
        await send(1);
        await first;
        // Delivery is in order, so a repeat of the first would come before the second.
        const second = arrived(2);
        await send(2);
        await second;
      } finally {
        bob.off(ClientEvent.ToDeviceEvent, onToDevice);
      }
      expect(received.map((e) => [e.getSender(), e.getContent()])).toEqual([
        [aliceId, { seq: 1 }],
        [aliceId, { seq: 2 }],
      ]);
    });

    it('survives a server kill: the clients resume from their tokens and bob sees every message once, in order', async () => {
      ({ room_id: restartRoom } = await alice.createRoom({
        name: 'Restart',
        preset: Preset.PrivateChat,
        invite: [bobId],
      }));
      // Events as the responses carry them: the SDK's timeline would hide a repeat.
      bob.on(ClientEvent.Event, (event) => {
        if (event.getRoomId() === restartRoom && event.getType() === EventType.RoomMessage)
          bobSaw.push(event.getId() as string);
      });
      await bob.joinRoom(restartRoom);

      const send = async (label: string): Promise<string[]> => {
        const ids: string[] = [];
        for (let i = 0; i < RESTART_MESSAGES; i++)
          ids.push((await alice.sendTextMessage(restartRoom, `${label} ${i}`)).event_id);
        return ids;
      };
      const before = await send('before the kill');
      await server.kill('SIGKILL');
      await Promise.all(
        [alice, bob].map((c) => waitForSyncState(c, [SyncState.Reconnecting, SyncState.Error])),
      );
      await server.restart();
      // The SDK polls /versions on a 2–10 s backoff; this is its "connection is back" shortcut.
      for (const client of [alice, bob]) client.retryImmediately();
      await Promise.all([alice, bob].map((c) => waitForSyncState(c, [SyncState.Syncing])));

      const after = await send('after the restart');
      const last = after[RESTART_MESSAGES - 1];
      await waitFor(bob, [ClientEvent.Event], 'bob to receive the last message', () =>
        bobSaw.includes(last),
      );
      expect(bobSaw).toEqual([...before, ...after]);
      expect(await messageIds(bob, restartRoom)).toEqual([...before, ...after]);
    });

    it(`brings bob back after ${OFFLINE_MESSAGES} messages: a limited sync, then /messages back to what he had`, async () => {
      bob.stopClient();
      alice.stopClient();
      const since = bob.store.getSyncToken();
      expect(since).toEqual(expect.any(String));
      const known = bobSaw[bobSaw.length - 1];
      expect(bob.getRoom(restartRoom)?.getLiveTimeline().getEvents().at(-1)?.getId()).toBe(known);

      const sent = await pooled(OFFLINE_MESSAGES, IN_FLIGHT, (i) =>
        putMessage(alice, restartRoom, `offline-${i}`, `offline ${i}`),
      );
      const acknowledged = sent.map((s) => s.event_id);

      const { rooms } = await syncOnce(bob, {
        since: since as string,
        filter: { room: { rooms: [restartRoom], timeline: { limit: 10 } } },
      });
      const timeline = rooms?.join?.[restartRoom]?.timeline;
      expect(timeline?.limited).toBe(true);
      expect(timeline?.events).toHaveLength(10);

      const caughtUp = (timeline?.events ?? []).map((e) => e.event_id);
      let from = timeline?.prev_batch ?? undefined;
      let reached = false;
      for (let pages = 0; !reached; pages++) {
        if (from === undefined || pages === MAX_PAGES)
          throw new Error(`/messages ran out after ${pages} pages without reaching ${known}`);
        const page = await bob.createMessagesRequest(restartRoom, from, PAGE, Direction.Backward);
        for (const event of page.chunk) {
          if (event.event_id === known) {
            reached = true;
            break;
          }
          caughtUp.push(event.event_id as string);
        }
        from = page.end;
      }
      expect(caughtUp).toHaveLength(OFFLINE_MESSAGES);
      expect([...caughtUp].sort()).toEqual([...acknowledged].sort());
    });

    it(`sent every request under ${prefix} and got only responses that match the spec`, () => {
      expect(sdk.sentPaths.length).toBeGreaterThan(0);
      expect(sdk.sentPaths.filter((p) => !p.startsWith(`${prefix}/`))).toEqual([]);
      expect(sdk.violations).toEqual([]);
    });
  });
});
