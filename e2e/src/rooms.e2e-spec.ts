import { OpenApiValidator, type RunningServer, startServerProcess } from '@chat/testing';
import {
  Direction,
  EventType,
  RelationType,
  type IEvent,
  type MatrixClient,
  Method,
  Preset,
} from 'matrix-js-sdk';
import type { RoomMessageEventContent } from 'matrix-js-sdk/lib/@types/events';
import { matrixError } from './support/matrix-error';
import { registeredClient } from './support/registered-client';
import { getThreads, type MessagesPage, paginateMessages, sendReceipt } from './support/room-api';
import { type ApiPrefix, SdkHarness } from './support/sdk-harness';

const MESSAGES = 30;
const PAGE = 7;

const ids = (events: readonly IEvent[]): string[] => events.map((e) => e.event_id);

/** Checks that the pages chain (`from` = previous `end`, `start` = `from`) and joins them. */
function chained(pages: readonly MessagesPage[]): IEvent[] {
  for (const [i, page] of pages.entries()) {
    if (i > 0) expect(page.from).toBe(pages[i - 1].end);
    if (page.from !== null) expect(page.start).toBe(page.from);
  }
  return pages.flatMap((p) => p.chunk);
}

describe.each(['sqlite', 'postgres'] as const)('rooms (%s)', (engine) => {
  let server: RunningServer;
  let validator: OpenApiValidator;

  beforeAll(async () => {
    validator = await OpenApiValidator.load();
    server = await startServerProcess({ engine });
  });

  afterAll(async () => {
    await server?.stop();
  });

  describe.each(['/_matrix', '/chat'] as const)('through %s', (prefix: ApiPrefix) => {
    const tag = prefix === '/chat' ? 'chat' : 'matrix';
    const alias = `#lounge_${tag}:localhost`;
    const aliceId = `@alice_${tag}:localhost`;
    const bobId = `@bob_${tag}:localhost`;
    let sdk: SdkHarness;
    let alice: MatrixClient;
    let bob: MatrixClient;
    let roomId: string;
    /** Event ids of the chat messages, oldest first. */
    const sent: string[] = [];
    let backwards: IEvent[];

    const member = (client: MatrixClient, userId: string) =>
      client.getStateEvent(roomId, 'm.room.member', userId);

    beforeAll(async () => {
      sdk = new SdkHarness(server.baseUrl, prefix, validator);
      alice = await registeredClient(server, sdk, `alice_${tag}`);
      bob = await registeredClient(server, sdk, `bob_${tag}`);
    });

    afterAll(() => sdk.stopAll());

    it('creates an invite-only room with a name, topic and alias', async () => {
      ({ room_id: roomId } = await alice.createRoom({
        name: 'Lounge',
        topic: 'Anything goes',
        preset: Preset.PrivateChat,
        room_alias_name: `lounge_${tag}`,
      }));
      expect((await alice.getJoinedRooms()).joined_rooms).toEqual([roomId]);
      expect(await alice.getStateEvent(roomId, 'm.room.create', '')).toMatchObject({
        room_version: '12',
      });
      expect(await alice.getStateEvent(roomId, 'm.room.name', '')).toEqual({ name: 'Lounge' });
      expect(await alice.getStateEvent(roomId, 'm.room.topic', '')).toEqual({
        topic: 'Anything goes',
      });
      expect(await alice.getStateEvent(roomId, 'm.room.canonical_alias', '')).toEqual({ alias });
      expect(await alice.getStateEvent(roomId, 'm.room.join_rules', '')).toEqual({
        join_rule: 'invite',
      });
      expect(await bob.getRoomIdForAlias(alias)).toEqual({
        room_id: roomId,
        servers: ['localhost'],
      });

      const uninvited = await matrixError(bob.joinRoom(roomId));
      expect([uninvited.httpStatus, uninvited.errcode]).toEqual([403, 'M_FORBIDDEN']);
      const outsider = await matrixError(bob.roomState(roomId));
      expect([outsider.httpStatus, outsider.errcode]).toEqual([403, 'M_FORBIDDEN']);
    });

    it('invites bob, who joins and is listed as a member', async () => {
      await alice.invite(roomId, bobId);
      expect((await alice.members(roomId, 'invite')).chunk.map((e) => e.state_key)).toEqual([
        bobId,
      ]);
      await bob.joinRoom(roomId);

      const { chunk } = await bob.members(roomId);
      expect(Object.fromEntries(chunk.map((e) => [e.state_key, e.content.membership]))).toEqual({
        [aliceId]: 'join',
        [bobId]: 'join',
      });
      expect(Object.keys((await bob.getJoinedRoomMembers(roomId)).joined).sort()).toEqual(
        [aliceId, bobId].sort(),
      );
      expect((await bob.getJoinedRooms()).joined_rooms).toEqual([roomId]);
      const state = await bob.roomState(roomId);
      expect(state.map((e) => e.type)).toEqual(
        expect.arrayContaining(['m.room.create', 'm.room.power_levels', 'm.room.name']),
      );
    });

    it('sets state events with an empty and with a non-empty state key', async () => {
      const { event_id: topicId } = await alice.sendStateEvent(
        roomId,
        EventType.RoomTopic,
        { topic: 'On topic' },
        '',
      );
      const topic = await bob.fetchRoomEvent(roomId, topicId);
      expect(topic).toMatchObject({ state_key: '', content: { topic: 'On topic' } });
      expect(topic.unsigned?.prev_content).toEqual({ topic: 'Anything goes' });
      expect(await bob.getStateEvent(roomId, 'm.room.topic', '')).toEqual({ topic: 'On topic' });

      const note = (client: MatrixClient, n: number) =>
        client.sendStateEvent(roomId, 'org.example.note' as never, { n } as never, 'pinned');
      await note(alice, 1);
      expect(await bob.getStateEvent(roomId, 'org.example.note', 'pinned')).toEqual({ n: 1 });
      const missing = await matrixError(bob.getStateEvent(roomId, 'org.example.note', 'other'));
      expect([missing.httpStatus, missing.errcode]).toEqual([404, 'M_NOT_FOUND']);
      // State needs power level 50; bob has the default 0.
      const unauthorised = await matrixError(note(bob, 2));
      expect([unauthorised.httpStatus, unauthorised.errcode]).toEqual([403, 'M_FORBIDDEN']);
    });

    it(`chats: ${MESSAGES} messages, taking turns`, async () => {
      for (let i = 0; i < MESSAGES; i++) {
        const { event_id } = await (i % 2 ? bob : alice).sendTextMessage(roomId, `message ${i}`);
        sent.push(event_id);
      }
      expect(new Set(sent).size).toBe(MESSAGES);
      const last = await alice.fetchRoomEvent(roomId, sent[MESSAGES - 1]);
      expect(last).toMatchObject({
        sender: bobId,
        type: 'm.room.message',
        content: { msgtype: 'm.text', body: `message ${MESSAGES - 1}` },
      });
    });

    it('paginates backwards from the newest event, `from` omitted, following `end`', async () => {
      const pages = await paginateMessages(bob, roomId, Direction.Backward, PAGE);
      backwards = chained(pages);
      expect(pages.length).toBeGreaterThan(MESSAGES / PAGE);
      expect(new Set(ids(backwards)).size).toBe(backwards.length);
      const messages = backwards.filter((e) => e.type === 'm.room.message');
      expect(ids(messages)).toEqual([...sent].reverse());
      expect(messages.map((e) => e.content['body'])).toEqual(
        sent.map((_, i) => `message ${i}`).reverse(),
      );
      expect(backwards[backwards.length - 1].type).toBe('m.room.create');
    });

    it('paginates forwards from the first event, `from` omitted, to the same history', async () => {
      const pages = await paginateMessages(alice, roomId, Direction.Forward, PAGE);
      const forwards = chained(pages);
      expect(ids(forwards)).toEqual(ids(backwards).reverse());
      expect(ids(forwards.filter((e) => e.type === 'm.room.message'))).toEqual(sent);
    });

    it('continues forwards from where a backward walk began, finding only newer events', async () => {
      const { start } = await bob.createMessagesRequest(roomId, null, 1, Direction.Backward);
      const now = start as string;
      expect((await bob.createMessagesRequest(roomId, now, 10, Direction.Forward)).chunk).toEqual(
        [],
      );
      const { event_id: newer } = await alice.sendTextMessage(roomId, 'one more');
      const { chunk } = await bob.createMessagesRequest(roomId, now, 10, Direction.Forward);
      expect(ids(chunk as IEvent[])).toEqual([newer]);
    });

    it('redacts a message: its content goes and unsigned.redacted_because names why', async () => {
      const target = sent[3];
      const { event_id: redaction } = await alice.redactEvent(roomId, target, undefined, {
        reason: 'off topic',
      });
      const redacted = await bob.fetchRoomEvent(roomId, target);
      expect(redacted.content).toEqual({});
      expect(redacted.unsigned?.redacted_because).toMatchObject({
        event_id: redaction,
        type: 'm.room.redaction',
        sender: aliceId,
        content: { reason: 'off topic' },
      });
      expect(await bob.fetchRoomEvent(roomId, redaction)).toMatchObject({
        redacts: target,
        content: { redacts: target, reason: 'off topic' },
      });

      const { chunk } = await bob.createMessagesRequest(roomId, null, 50, Direction.Backward);
      const inHistory = (chunk as IEvent[]).find((e) => e.event_id === target);
      expect(inHistory?.content).toEqual({});
      expect(inHistory?.unsigned?.redacted_because?.event_id).toBe(redaction);
    });

    it('kicks bob, who can still read up to his departure but no further', async () => {
      await alice.kick(roomId, bobId, 'be nice');
      expect(await member(alice, bobId)).toMatchObject({ membership: 'leave', reason: 'be nice' });
      expect((await bob.getJoinedRooms()).joined_rooms).toEqual([]);
      const silenced = await matrixError(bob.sendTextMessage(roomId, 'still here?'));
      expect([silenced.httpStatus, silenced.errcode]).toEqual([403, 'M_FORBIDDEN']);

      const { event_id: afterKick } = await alice.sendTextMessage(roomId, 'after the kick');
      const { chunk } = await bob.createMessagesRequest(roomId, null, 5, Direction.Backward);
      expect(chunk[0]).toMatchObject({ type: 'm.room.member', state_key: bobId });
      expect(ids(chunk as IEvent[])).not.toContain(afterKick);
      const hidden = await matrixError(bob.fetchRoomEvent(roomId, afterKick));
      expect([hidden.httpStatus, hidden.errcode]).toEqual([404, 'M_NOT_FOUND']);
    });

    it('bans bob: a banned user can neither join nor be invited', async () => {
      await alice.ban(roomId, bobId, 'spam');
      expect(await member(alice, bobId)).toMatchObject({ membership: 'ban', reason: 'spam' });
      const join = await matrixError(bob.joinRoom(roomId));
      expect([join.httpStatus, join.errcode]).toEqual([403, 'M_FORBIDDEN']);
      const invite = await matrixError(alice.invite(roomId, bobId));
      expect([invite.httpStatus, invite.errcode]).toEqual([403, 'M_FORBIDDEN']);
    });

    it('unbans bob, who may join again by alias once re-invited', async () => {
      await alice.unban(roomId, bobId);
      expect(await member(alice, bobId)).toMatchObject({ membership: 'leave' });
      const stillInviteOnly = await matrixError(bob.joinRoom(roomId));
      expect([stillInviteOnly.httpStatus, stillInviteOnly.errcode]).toEqual([403, 'M_FORBIDDEN']);

      await alice.invite(roomId, bobId);
      await bob.joinRoom(alias);
      expect(await member(bob, bobId)).toMatchObject({ membership: 'join' });
      expect((await bob.getJoinedRooms()).joined_rooms).toEqual([roomId]);
    });

    it('creates, resolves, lists and deletes an alias', async () => {
      const extra = `#extra_${tag}:localhost`;
      await bob.createAlias(extra, roomId);
      expect(await alice.getRoomIdForAlias(extra)).toEqual({
        room_id: roomId,
        servers: ['localhost'],
      });
      expect((await alice.getLocalAliases(roomId)).aliases.sort()).toEqual([alias, extra].sort());
      const taken = await matrixError(alice.createAlias(extra, roomId));
      expect(taken.httpStatus).toBe(409);

      await bob.deleteAlias(extra);
      const gone = await matrixError(alice.getRoomIdForAlias(extra));
      expect([gone.httpStatus, gone.errcode]).toEqual([404, 'M_NOT_FOUND']);
      expect((await alice.getLocalAliases(roomId)).aliases).toEqual([alias]);
    });

    it('lists a thread reply under /relations and its root under /threads', async () => {
      const { event_id: root } = await alice.sendTextMessage(roomId, 'thread root');
      const { event_id: reply } = await bob.sendMessage(roomId, {
        msgtype: 'm.text',
        body: 'in the thread',
        'm.relates_to': { rel_type: 'm.thread', event_id: root },
      } as RoomMessageEventContent);
      const { event_id: reaction } = await alice.sendEvent(roomId, EventType.Reaction, {
        'm.relates_to': { rel_type: RelationType.Annotation, event_id: root, key: '👍' },
      });

      const all = await bob.fetchRelations(roomId, root, null, null);
      expect(ids(all.chunk).sort()).toEqual([reply, reaction].sort());
      expect(ids((await bob.fetchRelations(roomId, root, 'm.thread', null)).chunk)).toEqual([
        reply,
      ]);
      const reactions = await bob.fetchRelations(roomId, root, 'm.annotation', 'm.reaction');
      expect(ids(reactions.chunk)).toEqual([reaction]);

      const { chunk } = await getThreads(alice, roomId);
      expect(ids(chunk)).toEqual([root]);
      expect(chunk[0].unsigned?.['m.relations']?.['m.thread']).toMatchObject({
        count: 1,
        latest_event: { event_id: reply },
        current_user_participated: true,
      });
    });

    it('accepts typing notifications, receipts and read markers', async () => {
      const last = sent[MESSAGES - 1];
      expect(await bob.sendTyping(roomId, true, 10_000)).toEqual({});
      expect(await bob.sendTyping(roomId, false, 0)).toEqual({});
      const forAlice = await matrixError(
        bob.http.authedRequest(
          Method.Put,
          `/rooms/${encodeURIComponent(roomId)}/typing/${encodeURIComponent(aliceId)}`,
          undefined,
          { typing: true, timeout: 1_000 },
        ),
      );
      expect([forAlice.httpStatus, forAlice.errcode]).toEqual([403, 'M_FORBIDDEN']);

      expect(await sendReceipt(bob, roomId, 'm.read', last)).toEqual({});
      expect(await sendReceipt(bob, roomId, 'm.read.private', last)).toEqual({});
      expect(await sendReceipt(bob, roomId, 'm.read', last, { thread_id: 'main' })).toEqual({});
      expect(await bob.setRoomReadMarkersHttpRequest(roomId, last, last)).toEqual({});
    });

    it('upgrades a room, carrying its state and aliases to the replacement', async () => {
      const oldAlias = `#old_${tag}:localhost`;
      const { room_id: oldRoom } = await alice.createRoom({
        room_version: '11',
        name: 'Old name',
        topic: 'Old topic',
        preset: Preset.PublicChat,
        room_alias_name: `old_${tag}`,
      });
      await bob.joinRoom(oldRoom);
      const levels = await alice.getStateEvent(oldRoom, 'm.room.power_levels', '');
      await alice.sendStateEvent(
        oldRoom,
        EventType.RoomPowerLevels,
        {
          ...levels,
          users: { ...levels['users'], [bobId]: 50 },
          events: { ...levels['events'], 'org.example.custom': 75 },
        },
        '',
      );
      const before = await alice.getStateEvent(oldRoom, 'm.room.power_levels', '');
      const oldTopic = await alice.getStateEvent(oldRoom, 'm.room.topic', '');

      const { replacement_room: newRoom } = await alice.upgradeRoom(oldRoom, '12');
      expect(newRoom).not.toBe(oldRoom);

      expect(await bob.getStateEvent(oldRoom, 'm.room.tombstone', '')).toMatchObject({
        replacement_room: newRoom,
      });
      expect(await alice.getStateEvent(newRoom, 'm.room.create', '')).toMatchObject({
        room_version: '12',
        predecessor: { room_id: oldRoom },
      });
      // Room version 12 gives creators their power through the create event, not `users`.
      const after = await alice.getStateEvent(newRoom, 'm.room.power_levels', '');
      const { [aliceId]: creatorLevel, ...others } = before['users'] as Record<string, number>;
      expect(creatorLevel).toBe(100);
      expect(after).toMatchObject({
        users: others,
        events: before['events'],
        ban: before['ban'],
        kick: before['kick'],
        redact: before['redact'],
        invite: before['invite'],
        state_default: before['state_default'],
        events_default: before['events_default'],
        users_default: before['users_default'],
      });
      expect(after['users']).toEqual({ [bobId]: 50 });
      expect(await alice.getStateEvent(newRoom, 'm.room.join_rules', '')).toEqual({
        join_rule: 'public',
      });
      expect(await alice.getStateEvent(newRoom, 'm.room.name', '')).toEqual({ name: 'Old name' });
      expect(await alice.getStateEvent(newRoom, 'm.room.topic', '')).toEqual(oldTopic);

      expect((await bob.getRoomIdForAlias(oldAlias)).room_id).toBe(newRoom);
      expect(await alice.getStateEvent(newRoom, 'm.room.canonical_alias', '')).toEqual({
        alias: oldAlias,
      });
      expect(await alice.getStateEvent(oldRoom, 'm.room.canonical_alias', '')).toEqual({});
      // Regular users stop talking in the old room.
      expect(await alice.getStateEvent(oldRoom, 'm.room.power_levels', '')).toMatchObject({
        events_default: 50,
        invite: 50,
      });

      await bob.joinRoom(oldAlias);
      expect((await bob.getJoinedRooms()).joined_rooms).toEqual(
        expect.arrayContaining([oldRoom, newRoom]),
      );
    });

    it('leaves and forgets the first room', async () => {
      await bob.leave(roomId);
      expect(await member(alice, bobId)).toMatchObject({ membership: 'leave' });
      expect(await bob.forget(roomId)).toEqual({});
      expect((await bob.getJoinedRooms()).joined_rooms).not.toContain(roomId);
    });

    it(`sent every request under ${prefix} and got only responses that match the spec`, () => {
      expect(sdk.sentPaths.length).toBeGreaterThan(0);
      expect(sdk.sentPaths.filter((p) => !p.startsWith(`${prefix}/`))).toEqual([]);
      expect(sdk.violations).toEqual([]);
    });
  });
});
