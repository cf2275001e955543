import { OpenApiValidator, type RunningServer, startServerProcess } from '@chat/testing';
import { Direction, type IEvent, type MatrixClient, Preset } from 'matrix-js-sdk';
import type { RoomMessageEventContent } from 'matrix-js-sdk/lib/@types/events';
import { type Outcome, outcome } from './support/matrix-error';
import { registeredClient } from './support/registered-client';
import { getContext, getThreads } from './support/room-api';
import { SdkHarness } from './support/sdk-harness';

type Setting = 'world_readable' | 'shared' | 'invited' | 'joined';
type Viewer = 'memberBefore' | 'joinedLater' | 'invited' | 'neverJoined';
type Endpoint = 'messages' | 'context' | 'event' | 'relations' | 'threads' | 'members' | 'state';
/**
 * The events whose visibility is probed, in the order the owner sends them: a thread root
 * (`message`), a reply in its thread, a state event, then (`gap`) a message sent after
 * joinedLater was invited but before they joined.
 */
type Probe = 'message' | 'reply' | 'state' | 'gap';
const PROBES: readonly Probe[] = ['message', 'reply', 'state', 'gap'];

/**
 * What a cell answers: `messages` lists the probes in the whole `/messages` history; `event` and
 * `context` are asked for each probe, `sees` answering 200 and the others 404 M_NOT_FOUND;
 * `relations` lists the thread root's relations; `threads` lists thread roots; `members` is
 * 200 with every membership; `state` lists the probe state event when it is in `/state`.
 */
type Expected =
  | { status: 200; sees: readonly Probe[] }
  | { status: 403 | 404; errcode: 'M_FORBIDDEN' | 'M_NOT_FOUND' };

const ok = (...sees: Probe[]): Expected => ({ status: 200, sees });
const ALL = ok(...PROBES);
const FORBIDDEN: Expected = { status: 403, errcode: 'M_FORBIDDEN' };
const NOT_FOUND: Expected = { status: 404, errcode: 'M_NOT_FOUND' };

/** Everyone may read everything, members or not. */
const READS_ALL: Record<Endpoint, Expected> = {
  messages: ALL,
  context: ALL,
  event: ALL,
  relations: ok('reply'),
  threads: ok('message'),
  members: ok(),
  state: ok('state'),
};
/**
 * Not in the room and it is not world-readable: every read path refuses; the two about one
 * event say "not found", as the spec words their only error.
 */
const REFUSED: Record<Endpoint, Expected> = {
  messages: FORBIDDEN,
  context: FORBIDDEN,
  event: NOT_FOUND,
  relations: NOT_FOUND,
  threads: FORBIDDEN,
  members: FORBIDDEN,
  state: FORBIDDEN,
};
/** Current state and members are not history: a member reads them whatever the setting. */
const CURRENT = { members: ok(), state: ok('state') };
/** joinedLater under `invited`: only `gap`, sent while they were invited. */
const SINCE_INVITE: Record<Endpoint, Expected> = {
  messages: ok('gap'),
  context: ok('gap'),
  event: ok('gap'),
  // The thread root is hidden, so its relations are 404 like the root itself.
  relations: NOT_FOUND,
  threads: ok(),
  ...CURRENT,
};
/** joinedLater under `joined`: none of the history before their join. */
const SINCE_JOIN: Record<Endpoint, Expected> = {
  messages: ok(),
  context: NOT_FOUND,
  event: NOT_FOUND,
  relations: NOT_FOUND,
  threads: ok(),
  ...CURRENT,
};

/**
 * The rule (spec client-server-api#history-visibility, with Synapse's reading of it):
 * - world_readable: everyone sees everything, members or not;
 * - shared: a user currently joined sees all history, from before they joined too;
 * - invited: a member sees what happened since they were invited (joinedLater sees `gap`);
 * - joined: a member sees only what happened while they were joined;
 * - users neither joined nor departed (invited, neverJoined) are refused with 403 M_FORBIDDEN
 *   on every read path unless the room is world_readable, as Synapse's
 *   check_user_in_room_or_world_readable does — except `/event` and `/relations`, whose only
 *   spec error is 404 M_NOT_FOUND ("not found or not permitted"); `/event` and `/context` of an
 *   event a member may not see are 404 M_NOT_FOUND too (Synapse answers 403 there).
 * memberBefore joined before every probe, so sees all of them whatever the setting.
 */
const EXPECTED: Record<Setting, Record<Viewer, Record<Endpoint, Expected>>> = {
  world_readable: {
    memberBefore: READS_ALL,
    joinedLater: READS_ALL,
    invited: READS_ALL,
    neverJoined: READS_ALL,
  },
  shared: {
    memberBefore: READS_ALL,
    joinedLater: READS_ALL,
    invited: REFUSED,
    neverJoined: REFUSED,
  },
  invited: {
    memberBefore: READS_ALL,
    joinedLater: SINCE_INVITE,
    invited: REFUSED,
    neverJoined: REFUSED,
  },
  joined: {
    memberBefore: READS_ALL,
    joinedLater: SINCE_JOIN,
    invited: REFUSED,
    neverJoined: REFUSED,
  },
};

const SETTINGS = Object.keys(EXPECTED) as Setting[];
const VIEWERS = Object.keys(EXPECTED.shared) as Viewer[];
const ENDPOINTS = Object.keys(REFUSED) as Endpoint[];

/** A room set up as the table assumes, with its probe event ids. */
interface ProbedRoom {
  roomId: string;
  probes: Record<Probe, string>;
}

/** A read reduced to the table's shape; anything else stays in `unexpected` to fail the match. */
interface Got {
  status: number;
  sees?: Probe[];
  errcode?: string;
  unexpected?: unknown;
}

/** Which probes of `probes` a list of events contains. */
function probesIn(probes: Record<Probe, string>, events: readonly IEvent[]): Probe[] {
  const present = new Set(events.map((e) => e.event_id));
  return PROBES.filter((p) => present.has(probes[p]));
}

function shape<T>(answer: Outcome<T>, sees: (body: T) => Probe[]): Got {
  return answer.status === 200
    ? { status: 200, sees: sees(answer.body as T) }
    : { status: answer.status, errcode: answer.errcode };
}

/**
 * One request per probe. Refused alike for all → that refusal; otherwise 200 with the probes
 * found in the successful answers, provided every other probe answered 404 M_NOT_FOUND.
 */
async function perProbe<T>(
  probes: Record<Probe, string>,
  request: (eventId: string) => Promise<T>,
  events: (body: T) => IEvent[],
): Promise<Got> {
  const answers = await Promise.all(PROBES.map((p) => outcome(request(probes[p]))));
  const refusals = answers.filter((a) => a.status !== 200);
  const [first] = refusals;
  if (refusals.length === answers.length && refusals.every((r) => r.errcode === first.errcode)) {
    return { status: first.status, errcode: first.errcode };
  }
  if (refusals.some((r) => r.status !== 404 || r.errcode !== 'M_NOT_FOUND')) {
    return { status: 200, unexpected: Object.fromEntries(PROBES.map((p, i) => [p, answers[i]])) };
  }
  const found = answers.flatMap((a) => (a.status === 200 ? events(a.body as T) : []));
  return { status: 200, sees: probesIn(probes, found) };
}

describe.each(['sqlite', 'postgres'] as const)('history visibility (%s)', (engine) => {
  let server: RunningServer;
  let sdk: SdkHarness;
  let owner: MatrixClient;
  let viewers: Record<Viewer, MatrixClient>;
  const rooms = new Map<Setting, ProbedRoom>();

  const userId = (client: MatrixClient): string => client.getUserId() as string;

  /** The owner's room with `setting` from its creation on, and the viewers placed around the probes. */
  async function probedRoom(setting: Setting): Promise<ProbedRoom> {
    const { room_id: roomId } = await owner.createRoom({
      preset: Preset.PrivateChat,
      initial_state: [
        {
          type: 'm.room.history_visibility',
          state_key: '',
          content: { history_visibility: setting },
        },
      ],
    });
    await owner.invite(roomId, userId(viewers.memberBefore));
    await viewers.memberBefore.joinRoom(roomId);

    const { event_id: message } = await owner.sendTextMessage(roomId, 'probe message');
    const { event_id: reply } = await owner.sendMessage(roomId, {
      msgtype: 'm.text',
      body: 'probe reply',
      'm.relates_to': { rel_type: 'm.thread', event_id: message },
    } as RoomMessageEventContent);
    // The SDK types only the spec's state events; a custom one keeps the probe unambiguous.
    const { event_id: state } = await owner.sendStateEvent(
      roomId,
      'org.example.probe' as never,
      { probe: true } as never,
      'probe',
    );
    await owner.invite(roomId, userId(viewers.joinedLater));
    const { event_id: gap } = await owner.sendTextMessage(roomId, 'probe gap');
    await viewers.joinedLater.joinRoom(roomId);
    await owner.invite(roomId, userId(viewers.invited));
    return { roomId, probes: { message, reply, state, gap } };
  }

  beforeAll(async () => {
    server = await startServerProcess({ engine });
    sdk = new SdkHarness(server.baseUrl, '/_matrix', await OpenApiValidator.load());
    owner = await registeredClient(server, sdk, 'owner');
    viewers = {
      memberBefore: await registeredClient(server, sdk, 'member_before'),
      joinedLater: await registeredClient(server, sdk, 'joined_later'),
      invited: await registeredClient(server, sdk, 'invited'),
      neverJoined: await registeredClient(server, sdk, 'never_joined'),
    };
    for (const setting of SETTINGS) rooms.set(setting, await probedRoom(setting));
  });

  afterAll(async () => {
    sdk?.stopAll();
    await server?.stop();
  });

  /** Asks `endpoint` as `client` and reduces the answer to the table's shape. */
  async function read(endpoint: Endpoint, client: MatrixClient, room: ProbedRoom): Promise<Got> {
    const { roomId, probes } = room;
    switch (endpoint) {
      case 'messages':
        return shape(
          await outcome(client.createMessagesRequest(roomId, null, 100, Direction.Backward)),
          (body) => probesIn(probes, body.chunk as IEvent[]),
        );
      case 'event':
        return perProbe(
          probes,
          (id) => client.fetchRoomEvent(roomId, id),
          (event) => [event as IEvent],
        );
      case 'context':
        // Every probe in the answers counts, so one leaking through events_before or
        // events_after shows up in `sees`.
        return perProbe(
          probes,
          (id) => getContext(client, roomId, id, 20),
          (body) => [...body.events_before, body.event, ...body.events_after],
        );
      case 'relations':
        return shape(
          await outcome(client.fetchRelations(roomId, probes.message, null, null)),
          (body) => probesIn(probes, body.chunk),
        );
      case 'threads':
        return shape(await outcome(getThreads(client, roomId)), (body) =>
          probesIn(probes, body.chunk),
        );
      case 'members':
        return shape(await outcome(client.members(roomId)), (body) => {
          expect(
            Object.fromEntries(body.chunk.map((e) => [e.state_key, e.content.membership])),
          ).toEqual({
            [userId(owner)]: 'join',
            [userId(viewers.memberBefore)]: 'join',
            [userId(viewers.joinedLater)]: 'join',
            [userId(viewers.invited)]: 'invite',
          });
          return [];
        });
      case 'state':
        return shape(await outcome(client.roomState(roomId)), (body) =>
          probesIn(probes, body as unknown as IEvent[]),
        );
    }
  }

  describe.each(SETTINGS)('%s', (setting) => {
    it.each(VIEWERS)('%s reads exactly what the table says', async (viewer) => {
      const room = rooms.get(setting) as ProbedRoom;
      const client = viewers[viewer];
      const got: Record<string, unknown> = {};
      for (const endpoint of ENDPOINTS) got[endpoint] = await read(endpoint, client, room);
      expect(got).toEqual(EXPECTED[setting][viewer]);
    });
  });

  it('got only responses that match the spec', () => {
    expect(sdk.violations).toEqual([]);
  });
});
