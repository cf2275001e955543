import { MAX_JSON_DEPTH } from '@chat/platform';

import { createRoom, sendText } from './rooms.test-helper';
import { ENGINES, TestServer, type ApiResponse } from './test-server.test-helper';

/**
 * Every endpoint of the account API against malformed input, on both engines: each case gets the
 * status and the exact errcode the spec defines for it, and nothing answers 500 (the harness fails
 * on any 5xx).
 */

/** The spec's standard errcodes for a request whose content the server cannot take as sent. */
type InputErrcode = 'M_NOT_JSON' | 'M_BAD_JSON' | 'M_INVALID_PARAM' | 'M_MISSING_PARAM';

interface TypedCase {
  /** Shown instead of the body in the test name (for bodies too long to print). */
  name?: string;
  query?: string;
  body?: unknown;
  errcode: InputErrcode;
}

interface Row {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  auth: 'none' | 'required';
  /** Whether the endpoint reads a JSON object body; absent means 'none'. */
  body?: 'json' | 'none';
  /** Well-formed requests whose body or query has a wrong type or value, and the errcode each gets. */
  typed?: TypedCase[];
}

const USER = 'typist';
const PASSWORD = 'correct horse';
const USER_ID = `@${USER}:localhost`;
const V3 = '/chat/client/v3';
const BAD_TOKEN = 'cht_bm9ib2R5_notatoken';
const NUL = '\u0000';
const V1 = '/chat/client/v1';
/**
 * Placeholders for the room the user creates and an event in it: typed cases must reach the
 * check they are about, not stop at "not in room".
 */
const ROOM = `${V3}/rooms/{room}`;
const ROOM_V1 = `${V1}/rooms/{room}`;
const EVENT = '{event}';
const ALIAS = encodeURIComponent('#typist-alias:localhost');

/** `depth` arrays nested in one another, built without recursion. */
function nested(depth: number): unknown[] {
  let value: unknown[] = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}
const tooDeep = (field: string): TypedCase => ({
  name: `{"${field}": ${MAX_JSON_DEPTH} nested arrays}`,
  body: { [field]: nested(MAX_JSON_DEPTH) },
  errcode: 'M_BAD_JSON',
});

const ROWS: Row[] = [
  { method: 'GET', path: '/chat/client/versions', auth: 'none' },
  { method: 'GET', path: '/.well-known/matrix/client', auth: 'none' },
  {
    method: 'POST',
    path: `${V3}/register`,
    auth: 'none',
    body: 'json',
    typed: [
      { body: { username: 5, password: 'pw' }, errcode: 'M_BAD_JSON' },
      { body: { username: 'fresh', password: 7 }, errcode: 'M_BAD_JSON' },
      { body: { auth: 'dummy' }, errcode: 'M_BAD_JSON' },
      { body: { auth: { type: 'm.login.dummy', session: 3 } }, errcode: 'M_BAD_JSON' },
      { query: '?kind=alien', body: {}, errcode: 'M_INVALID_PARAM' },
      { body: { username: 'fresh', password: `p${NUL}w` }, errcode: 'M_BAD_JSON' },
      tooDeep('auth'),
    ],
  },
  {
    method: 'GET',
    path: `${V3}/register/available`,
    auth: 'none',
    typed: [
      { errcode: 'M_MISSING_PARAM' },
      { query: '?username=a&username=b', errcode: 'M_INVALID_PARAM' },
    ],
  },
  {
    method: 'GET',
    path: '/chat/client/v1/register/m.login.registration_token/validity',
    auth: 'none',
    typed: [
      { errcode: 'M_MISSING_PARAM' },
      { query: '?token=a&token=b', errcode: 'M_INVALID_PARAM' },
    ],
  },
  { method: 'GET', path: '/_chat/admin/v1/register', auth: 'none' },
  {
    method: 'POST',
    path: '/_chat/admin/v1/register',
    auth: 'none',
    body: 'json',
    typed: [
      { body: { nonce: 'n', username: 1, password: 'p', mac: 'ab' }, errcode: 'M_BAD_JSON' },
      { body: { nonce: 7, username: 'u', password: 'p', mac: 'ab' }, errcode: 'M_BAD_JSON' },
      { body: { nonce: 'n', username: 'u', password: 'p', mac: 'zz' }, errcode: 'M_BAD_JSON' },
      { body: { nonce: 'n', username: 'u', password: 'p', admin: 'y' }, errcode: 'M_BAD_JSON' },
      {
        body: { nonce: `n${NUL}`, username: 'u', password: 'p', mac: 'ab' },
        errcode: 'M_BAD_JSON',
      },
      {
        body: { nonce: 'n', username: 'u', password: 'p', mac: 'ab', displayname: NUL },
        errcode: 'M_BAD_JSON',
      },
    ],
  },
  { method: 'GET', path: `${V3}/login`, auth: 'none' },
  {
    method: 'POST',
    path: `${V3}/login`,
    auth: 'none',
    body: 'json',
    typed: [
      { body: { type: 'm.login.password', user: USER, password: [] }, errcode: 'M_BAD_JSON' },
      {
        body: { type: 'm.login.password', identifier: 'x', password: PASSWORD },
        errcode: 'M_BAD_JSON',
      },
      { body: { type: 1 }, errcode: 'M_BAD_JSON' },
      {
        body: { type: 'm.login.password', identifier: { type: 'm.id.user' }, password: PASSWORD },
        errcode: 'M_MISSING_PARAM',
      },
      {
        body: {
          type: 'm.login.password',
          identifier: { type: 'm.id.user', user: 'a:b' },
          password: PASSWORD,
        },
        errcode: 'M_INVALID_PARAM',
      },
      {
        body: { type: 'm.login.password', user: USER, password: PASSWORD, device_id: 5 },
        errcode: 'M_BAD_JSON',
      },
      {
        body: { type: 'm.login.password', user: USER, password: PASSWORD, device_id: `D${NUL}` },
        errcode: 'M_BAD_JSON',
      },
      {
        body: {
          type: 'm.login.password',
          user: USER,
          password: PASSWORD,
          initial_device_display_name: NUL,
        },
        errcode: 'M_BAD_JSON',
      },
      tooDeep('identifier'),
    ],
  },
  { method: 'POST', path: `${V3}/logout`, auth: 'required', body: 'json' },
  { method: 'POST', path: `${V3}/logout/all`, auth: 'required', body: 'json' },
  { method: 'GET', path: `${V3}/account/whoami`, auth: 'required' },
  {
    method: 'POST',
    path: `${V3}/account/password`,
    auth: 'required',
    body: 'json',
    typed: [
      { body: { new_password: 1 }, errcode: 'M_BAD_JSON' },
      { body: { new_password: 'long enough', logout_devices: 'no' }, errcode: 'M_BAD_JSON' },
      { body: { new_password: `pw${NUL}` }, errcode: 'M_BAD_JSON' },
      tooDeep('new_password'),
    ],
  },
  {
    method: 'POST',
    path: `${V3}/account/deactivate`,
    auth: 'required',
    body: 'json',
    typed: [
      { body: { erase: 'yes' }, errcode: 'M_BAD_JSON' },
      { body: { auth: [] }, errcode: 'M_BAD_JSON' },
      { body: { auth: { type: 'm.login.password', session: `s${NUL}` } }, errcode: 'M_BAD_JSON' },
      tooDeep('auth'),
    ],
  },
  { method: 'GET', path: `${V3}/account/3pid`, auth: 'required' },
  { method: 'GET', path: `${V3}/devices`, auth: 'required' },
  { method: 'GET', path: `${V3}/devices/ABC`, auth: 'required' },
  {
    method: 'PUT',
    path: `${V3}/devices/ABC`,
    auth: 'required',
    body: 'json',
    typed: [
      { body: { display_name: 1 }, errcode: 'M_BAD_JSON' },
      { body: { display_name: `x${NUL}` }, errcode: 'M_BAD_JSON' },
    ],
  },
  {
    method: 'DELETE',
    path: `${V3}/devices/ABC`,
    auth: 'required',
    body: 'json',
    typed: [tooDeep('auth')],
  },
  {
    method: 'POST',
    path: `${V3}/delete_devices`,
    auth: 'required',
    body: 'json',
    typed: [
      { body: { devices: 'x' }, errcode: 'M_BAD_JSON' },
      { body: { devices: [1] }, errcode: 'M_BAD_JSON' },
      { body: {}, errcode: 'M_MISSING_PARAM' },
      { body: { devices: [`A${NUL}`] }, errcode: 'M_BAD_JSON' },
      { body: { devices: [], auth: 'x' }, errcode: 'M_BAD_JSON' },
      { body: { devices: [], auth: { session: `s${NUL}` } }, errcode: 'M_BAD_JSON' },
    ],
  },
  { method: 'GET', path: `${V3}/profile/${USER_ID}`, auth: 'none' },
  { method: 'GET', path: `${V3}/profile/${USER_ID}/displayname`, auth: 'none' },
  {
    method: 'PUT',
    path: `${V3}/profile/${USER_ID}/displayname`,
    auth: 'required',
    body: 'json',
    typed: [
      { body: { displayname: 5 }, errcode: 'M_BAD_JSON' },
      { body: { displayname: null }, errcode: 'M_BAD_JSON' },
      { body: {}, errcode: 'M_MISSING_PARAM' },
      { body: { displayname: `a${NUL}b` }, errcode: 'M_BAD_JSON' },
    ],
  },
  { method: 'DELETE', path: `${V3}/profile/${USER_ID}/displayname`, auth: 'required' },
  { method: 'GET', path: `${V3}/capabilities`, auth: 'required' },
  {
    method: 'POST',
    path: `${V3}/createRoom`,
    auth: 'required',
    body: 'json',
    typed: [
      { body: { invite: 'x' }, errcode: 'M_BAD_JSON' },
      { body: { invite: [5] }, errcode: 'M_BAD_JSON' },
      { body: { preset: 'nope' }, errcode: 'M_BAD_JSON' },
      { body: { visibility: 'secret' }, errcode: 'M_BAD_JSON' },
      { body: { initial_state: 'x' }, errcode: 'M_BAD_JSON' },
      { body: { initial_state: ['x'] }, errcode: 'M_BAD_JSON' },
      { body: { initial_state: [{ type: 1, content: {} }] }, errcode: 'M_BAD_JSON' },
      { body: { initial_state: [{ type: 'm.room.topic', content: 'x' }] }, errcode: 'M_BAD_JSON' },
      { body: { initial_state: [{ type: 'm.room.topic' }] }, errcode: 'M_MISSING_PARAM' },
      { body: { room_version: 12 }, errcode: 'M_BAD_JSON' },
      { body: { name: 5 }, errcode: 'M_BAD_JSON' },
      { body: { topic: [] }, errcode: 'M_BAD_JSON' },
      { body: { room_alias_name: 1 }, errcode: 'M_BAD_JSON' },
      { body: { is_direct: 'yes' }, errcode: 'M_BAD_JSON' },
      { body: { creation_content: 'x' }, errcode: 'M_BAD_JSON' },
      { body: { creation_content: { 'm.federate': 'no' } }, errcode: 'M_BAD_JSON' },
      { body: { power_level_content_override: [] }, errcode: 'M_BAD_JSON' },
      tooDeep('creation_content'),
    ],
  },
  { method: 'GET', path: `${V3}/joined_rooms`, auth: 'required' },
  {
    method: 'POST',
    path: `${V3}/user/${encodeURIComponent(USER_ID)}/filter`,
    auth: 'required',
    body: 'json',
    typed: [
      { body: { room: { timeline: { limit: 'ten' } } }, errcode: 'M_BAD_JSON' },
      { body: { event_format: 'xml' }, errcode: 'M_BAD_JSON' },
      { body: { room: { state: { lazy_load_members: 'yes' } } }, errcode: 'M_BAD_JSON' },
      { body: { presence: { types: 'm.presence' } }, errcode: 'M_BAD_JSON' },
    ],
  },
  {
    method: 'GET',
    path: `${V3}/user/${encodeURIComponent(USER_ID)}/filter/notanumber`,
    auth: 'required',
    typed: [{ errcode: 'M_INVALID_PARAM' }],
  },
  {
    method: 'POST',
    path: `${V3}/join/{room}`,
    auth: 'required',
    body: 'json',
    typed: [{ body: { reason: 5 }, errcode: 'M_BAD_JSON' }],
  },
  {
    method: 'POST',
    path: `${V3}/knock/{room}`,
    auth: 'required',
    body: 'json',
    typed: [{ body: { reason: [] }, errcode: 'M_BAD_JSON' }],
  },
  {
    method: 'POST',
    path: `${ROOM}/join`,
    auth: 'required',
    body: 'json',
    typed: [{ body: { reason: {} }, errcode: 'M_BAD_JSON' }],
  },
  {
    method: 'POST',
    path: `${ROOM}/leave`,
    auth: 'required',
    body: 'json',
    typed: [{ body: { reason: 1 }, errcode: 'M_BAD_JSON' }],
  },
  { method: 'POST', path: `${ROOM}/forget`, auth: 'required', body: 'json' },
  ...['invite', 'kick', 'ban', 'unban'].map(
    (action): Row => ({
      method: 'POST',
      path: `${ROOM}/${action}`,
      auth: 'required',
      body: 'json',
      typed: [
        { body: { user_id: 5 }, errcode: 'M_BAD_JSON' },
        { body: {}, errcode: 'M_MISSING_PARAM' },
        { body: { user_id: '@someone:localhost', reason: 5 }, errcode: 'M_BAD_JSON' },
      ],
    }),
  ),
  {
    method: 'PUT',
    path: `${ROOM}/send/m.room.message/bad-input-txn`,
    auth: 'required',
    body: 'json',
    typed: [
      // Canonical JSON (every creatable room version) has no floats and no unsafe integers.
      { body: { msgtype: 'm.text', body: 'x', n: 1.5 }, errcode: 'M_BAD_JSON' },
      { body: { msgtype: 'm.text', body: 'x', n: 2 ** 53 }, errcode: 'M_BAD_JSON' },
      tooDeep('body'),
    ],
  },
  {
    method: 'PUT',
    path: `${ROOM}/state/m.room.topic/`,
    auth: 'required',
    body: 'json',
    typed: [{ body: { topic: 'x', n: -0.5 }, errcode: 'M_BAD_JSON' }],
  },
  {
    method: 'GET',
    path: `${ROOM}/state/m.room.create/`,
    auth: 'required',
    typed: [{ query: '?format=xml', errcode: 'M_INVALID_PARAM' }],
  },
  { method: 'GET', path: `${ROOM}/state`, auth: 'required' },
  {
    method: 'GET',
    path: `${V3}/sync`,
    auth: 'required',
    typed: [
      { query: '?since=nonsense', errcode: 'M_INVALID_PARAM' },
      { query: '?since=s1_2_x', errcode: 'M_INVALID_PARAM' },
      { query: '?since=m5~99.7', errcode: 'M_INVALID_PARAM' },
      { query: `?since=${'1_'.repeat(20)}1`, errcode: 'M_INVALID_PARAM' },
      { query: '?timeout=soon', errcode: 'M_INVALID_PARAM' },
      { query: '?timeout=-1', errcode: 'M_INVALID_PARAM' },
      { query: '?timeout=1e3', errcode: 'M_INVALID_PARAM' },
      { query: '?full_state=yes', errcode: 'M_INVALID_PARAM' },
      { query: '?set_presence=away', errcode: 'M_INVALID_PARAM' },
      { query: '?filter={', errcode: 'M_INVALID_PARAM' },
      { query: `?filter=${encodeURIComponent('{"room":[]}')}`, errcode: 'M_INVALID_PARAM' },
      {
        query: `?filter=${encodeURIComponent('{"room":{"timeline":{"limit":0}}}')}`,
        errcode: 'M_INVALID_PARAM',
      },
      {
        query: `?filter=${encodeURIComponent('{"event_format":"xml"}')}`,
        errcode: 'M_INVALID_PARAM',
      },
      { query: '?filter=not-an-id', errcode: 'M_INVALID_PARAM' },
    ],
  },
  {
    method: 'GET',
    path: `${V3}/events`,
    auth: 'required',
    typed: [
      { query: '?from=nonsense', errcode: 'M_INVALID_PARAM' },
      { query: '?timeout=x', errcode: 'M_INVALID_PARAM' },
    ],
  },
  {
    method: 'GET',
    path: `${V3}/initialSync`,
    auth: 'required',
    typed: [{ query: '?limit=many', errcode: 'M_INVALID_PARAM' }],
  },
  {
    method: 'PUT',
    path: `${ROOM}/redact/${EVENT}/bad-input-txn`,
    auth: 'required',
    body: 'json',
    typed: [{ body: { reason: 5 }, errcode: 'M_BAD_JSON' }],
  },
  { method: 'GET', path: `${ROOM}/event/${EVENT}`, auth: 'required' },
  {
    method: 'GET',
    path: `${ROOM}/members`,
    auth: 'required',
    typed: [
      { query: '?membership=member', errcode: 'M_INVALID_PARAM' },
      { query: '?not_membership=gone', errcode: 'M_INVALID_PARAM' },
      { query: '?at=garbage', errcode: 'M_INVALID_PARAM' },
    ],
  },
  { method: 'GET', path: `${ROOM}/joined_members`, auth: 'required' },
  {
    method: 'GET',
    path: `${ROOM}/messages`,
    auth: 'required',
    typed: [
      { query: '?dir=x', errcode: 'M_INVALID_PARAM' },
      { query: '?dir=b&dir=f', errcode: 'M_INVALID_PARAM' },
      { query: '?limit=-1', errcode: 'M_INVALID_PARAM' },
      { query: '?limit=abc', errcode: 'M_INVALID_PARAM' },
      { query: '?limit=1.5', errcode: 'M_INVALID_PARAM' },
      { query: '?filter={', errcode: 'M_INVALID_PARAM' },
      { query: '?filter=[]', errcode: 'M_INVALID_PARAM' },
      {
        query: `?filter=${encodeURIComponent('{"types":"m.room.message"}')}`,
        errcode: 'M_INVALID_PARAM',
      },
      { query: `?filter=${encodeURIComponent('{"limit":-5}')}`, errcode: 'M_INVALID_PARAM' },
      { query: '?from=garbage', errcode: 'M_INVALID_PARAM' },
      { query: '?to=garbage', errcode: 'M_INVALID_PARAM' },
    ],
  },
  {
    method: 'GET',
    path: `${ROOM}/context/${EVENT}`,
    auth: 'required',
    typed: [
      { query: '?limit=-1', errcode: 'M_INVALID_PARAM' },
      { query: '?limit=x', errcode: 'M_INVALID_PARAM' },
      { query: '?filter={', errcode: 'M_INVALID_PARAM' },
    ],
  },
  ...['', '/m.thread', '/m.thread/m.room.message'].map(
    (rest): Row => ({
      method: 'GET',
      path: `${ROOM_V1}/relations/${EVENT}${rest}`,
      auth: 'required',
      typed: [
        { query: '?dir=x', errcode: 'M_INVALID_PARAM' },
        { query: '?limit=-1', errcode: 'M_INVALID_PARAM' },
        { query: '?from=abc', errcode: 'M_INVALID_PARAM' },
      ],
    }),
  ),
  {
    method: 'GET',
    path: `${ROOM_V1}/threads`,
    auth: 'required',
    typed: [
      { query: '?include=x', errcode: 'M_INVALID_PARAM' },
      { query: '?limit=-1', errcode: 'M_INVALID_PARAM' },
      { query: '?from=abc', errcode: 'M_INVALID_PARAM' },
    ],
  },
  {
    method: 'GET',
    path: `${ROOM_V1}/timestamp_to_event`,
    auth: 'required',
    typed: [
      { query: '?ts=abc&dir=f', errcode: 'M_INVALID_PARAM' },
      { query: '?ts=-1&dir=f', errcode: 'M_INVALID_PARAM' },
      { query: '?ts=0&dir=x', errcode: 'M_INVALID_PARAM' },
      { query: '?dir=f', errcode: 'M_MISSING_PARAM' },
      { query: '?ts=0', errcode: 'M_MISSING_PARAM' },
    ],
  },
  { method: 'GET', path: `${ROOM}/initialSync`, auth: 'required' },
  { method: 'GET', path: `${ROOM}/aliases`, auth: 'required' },
  {
    method: 'PUT',
    path: `${ROOM}/typing/${USER_ID}`,
    auth: 'required',
    body: 'json',
    typed: [
      { body: { typing: 'yes' }, errcode: 'M_BAD_JSON' },
      { body: {}, errcode: 'M_MISSING_PARAM' },
      { body: { typing: true, timeout: -5 }, errcode: 'M_BAD_JSON' },
      { body: { typing: true, timeout: 1.5 }, errcode: 'M_BAD_JSON' },
    ],
  },
  {
    method: 'POST',
    path: `${ROOM}/receipt/m.read/${EVENT}`,
    auth: 'required',
    body: 'json',
    typed: [{ body: { thread_id: 5 }, errcode: 'M_BAD_JSON' }],
  },
  {
    method: 'POST',
    path: `${ROOM}/read_markers`,
    auth: 'required',
    body: 'json',
    typed: [
      { body: { 'm.fully_read': 5 }, errcode: 'M_BAD_JSON' },
      { body: { 'm.read': [] }, errcode: 'M_BAD_JSON' },
    ],
  },
  {
    method: 'POST',
    path: `${ROOM}/upgrade`,
    auth: 'required',
    body: 'json',
    typed: [
      { body: {}, errcode: 'M_MISSING_PARAM' },
      { body: { new_version: 12 }, errcode: 'M_BAD_JSON' },
    ],
  },
  { method: 'GET', path: `${V3}/directory/room/${ALIAS}`, auth: 'none' },
  {
    method: 'PUT',
    path: `${V3}/directory/room/${ALIAS}`,
    auth: 'required',
    body: 'json',
    typed: [
      { body: { room_id: 5 }, errcode: 'M_BAD_JSON' },
      { body: {}, errcode: 'M_MISSING_PARAM' },
    ],
  },
  { method: 'DELETE', path: `${V3}/directory/room/${ALIAS}`, auth: 'required' },
  // A sample under the standard prefix and other version segments gets the same answers.
  {
    method: 'POST',
    path: '/_matrix/client/r0/login',
    auth: 'none',
    body: 'json',
    typed: [{ body: { type: 1 }, errcode: 'M_BAD_JSON' }],
  },
  { method: 'GET', path: '/_matrix/client/v3/account/whoami', auth: 'required' },
  {
    method: 'PUT',
    path: '/_matrix/client/v3/devices/ABC',
    auth: 'required',
    body: 'json',
    typed: [{ body: { display_name: 1 }, errcode: 'M_BAD_JSON' }],
  },
  {
    method: 'GET',
    path: '/_matrix/client/v1/register/m.login.registration_token/validity',
    auth: 'none',
    typed: [{ errcode: 'M_MISSING_PARAM' }],
  },
  {
    method: 'POST',
    path: '/_matrix/client/v3/createRoom',
    auth: 'required',
    body: 'json',
    typed: [{ body: { preset: 'nope' }, errcode: 'M_BAD_JSON' }],
  },
  {
    method: 'PUT',
    path: '/_matrix/client/r0/rooms/{room}/send/m.room.message/bad-input-txn-r0',
    auth: 'required',
    body: 'json',
    typed: [{ body: { n: 0.1 }, errcode: 'M_BAD_JSON' }],
  },
  {
    method: 'GET',
    path: '/chat/client/r0/rooms/{room}/messages',
    auth: 'required',
    typed: [{ query: '?dir=x', errcode: 'M_INVALID_PARAM' }],
  },
  {
    method: 'GET',
    path: '/_matrix/client/v1/rooms/{room}/timestamp_to_event',
    auth: 'required',
    typed: [{ query: '?ts=abc&dir=b', errcode: 'M_INVALID_PARAM' }],
  },
];

const label = (row: Row) => `${row.method} ${row.path}`;
const cases = (rows: Row[]) => rows.map((row) => [label(row), row] as const);
const typedCases = ROWS.flatMap((row) =>
  (row.typed ?? []).map(
    (c) =>
      [
        `${row.method} ${row.path}${c.query ?? ''} ${c.name ?? JSON.stringify(c.body) ?? ''}`,
        row,
        c,
      ] as const,
  ),
);

function expectError(res: ApiResponse, status: number, errcode: string): void {
  expect({ status: res.status, errcode: res.body['errcode'] }).toEqual({ status, errcode });
  expect(typeof res.body['error']).toBe('string');
}

/** The answer to a request made with fetch directly, for bodies the harness cannot send. */
async function received(res: Response): Promise<ApiResponse> {
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe.each(ENGINES)('bad input (%s)', (engine) => {
  let server: TestServer;
  /** The same app with a 4 KiB body limit, for the 413 cases. */
  let small: TestServer;
  let token: string;
  /** A row's path with the user's own room and an event of it in place of the placeholders. */
  let at: (path: string) => string;

  beforeAll(async () => {
    [server, small] = await Promise.all([
      TestServer.start(engine),
      TestServer.start(engine, { max_request_body_size: 4096 }),
    ]);
    const user = await server.register(USER, PASSWORD);
    ({ token } = user);
    const roomId = await createRoom(server, user);
    const eventId = await sendText(server, user, roomId, 'hello');
    at = (path) =>
      path
        .replace('{room}', encodeURIComponent(roomId))
        .replace(EVENT, encodeURIComponent(eventId));
  });
  afterAll(() => Promise.all([server?.stop(), small?.stop()]));

  it.each(cases(ROWS))('%s: an encoded NUL in the URL → 400 M_INVALID_PARAM', async (_, row) => {
    const res = await server.request(row.method, `${at(row.path)}?x=a%00b`, {
      body: row.body === 'json' ? {} : undefined,
      token,
    });
    expectError(res, 400, 'M_INVALID_PARAM');
  });

  describe.each(cases(ROWS.filter((row) => row.body === 'json')))('%s', (_, row) => {
    it('malformed JSON → 400 M_NOT_JSON', async () => {
      const res = await server.request(row.method, at(row.path), { body: '{not json', token });
      expectError(res, 400, 'M_NOT_JSON');
    });

    it.each(['[1,2]', '"x"', '42', 'null', 'true'])(
      'JSON that is not an object (%s) → 400 M_BAD_JSON',
      async (body) => {
        expectError(
          await server.request(row.method, at(row.path), { body, token }),
          400,
          'M_BAD_JSON',
        );
      },
    );

    it('10k nested arrays, bare or inside an object → 400 M_BAD_JSON', async () => {
      // Written out: JSON.stringify itself would overflow the stack at this depth.
      const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
      for (const body of [deep, `{"padding":${deep}}`]) {
        expectError(
          await server.request(row.method, at(row.path), { body, token }),
          400,
          'M_BAD_JSON',
        );
      }
    });

    it('~8 KiB of valid JSON over a 4 KiB max_request_body_size → 413 M_TOO_LARGE', async () => {
      // No token needed: the size is checked before anything else.
      const res = await small.request(row.method, at(row.path), {
        body: { padding: 'x'.repeat(8192) },
      });
      expectError(res, 413, 'M_TOO_LARGE');
    });
  });

  it.each(typedCases)('%s → 400', async (_, row, c) => {
    const res = await server.request(row.method, at(`${row.path}${c.query ?? ''}`), {
      body: c.body,
      token,
    });
    expectError(res, 400, c.errcode);
  });

  describe.each(cases(ROWS.filter((row) => row.auth === 'required')))('%s', (_, row) => {
    const body = row.body === 'json' ? {} : undefined;

    it('no token → 401 M_MISSING_TOKEN', async () => {
      expectError(await server.request(row.method, at(row.path), { body }), 401, 'M_MISSING_TOKEN');
    });

    it('an unknown token in the Authorization header → 401 M_UNKNOWN_TOKEN', async () => {
      const res = await server.request(row.method, at(row.path), { body, token: BAD_TOKEN });
      expectError(res, 401, 'M_UNKNOWN_TOKEN');
    });

    it('an unknown token in ?access_token= → 401 M_UNKNOWN_TOKEN', async () => {
      const res = await server.request(row.method, `${at(row.path)}?access_token=${BAD_TOKEN}`, {
        body,
      });
      expectError(res, 401, 'M_UNKNOWN_TOKEN');
    });
  });

  describe('bytes, depth, content types and NULs', () => {
    it('invalid UTF-8 → 400 M_NOT_JSON', async () => {
      // `{"user":"<ff fe>"}`: JSON punctuation around bytes that are not UTF-8.
      const body = Buffer.concat([
        Buffer.from('{"user":"'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ]);
      const res = await fetch(`${server.baseUrl}${V3}/login`, { method: 'POST', body });
      expectError(await received(res), 400, 'M_NOT_JSON');
    });

    it('a JSON body sent as text/plain is still read as JSON', async () => {
      const res = await server.request('POST', `${V3}/login`, {
        body: { type: 'm.login.password', user: USER, password: PASSWORD },
        headers: { 'Content-Type': 'text/plain' },
      });
      expect(res.status).toBe(200);
      expect(res.body['user_id']).toBe(USER_ID);
    });

    it('a body streamed without Content-Length past the limit → 413 M_TOO_LARGE', async () => {
      const chunk = new TextEncoder().encode(JSON.stringify({ padding: 'x'.repeat(8192) }));
      const res = await fetch(`${small.baseUrl}${V3}/login`, {
        method: 'POST',
        body: new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(chunk);
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expectError(await received(res), 413, 'M_TOO_LARGE');
    });

    it('a body nested right up to the limit is stored with its UIA session and replayed', async () => {
      const padding = nested(MAX_JSON_DEPTH - 1);
      const challenge = await server.request('POST', `${V3}/register`, {
        body: { username: 'deep', password: PASSWORD, padding },
      });
      expect(challenge.status).toBe(401);
      // An empty body on the next stage replays the stored one, padding and all.
      const done = await server.request('POST', `${V3}/register`, {
        body: { auth: { type: 'm.login.dummy', session: challenge.body['session'] } },
      });
      expect(done.status).toBe(200);
      expect(done.body['user_id']).toBe('@deep:localhost');
    });

    it.each([
      ['GET', `${V3}/devices/A%00B`],
      ['PUT', `${V3}/devices/A%00B`],
      ['DELETE', `${V3}/devices/A%00B`],
      ['GET', `${V3}/profile/%40a%00b%3Alocalhost`],
      ['PUT', `${V3}/profile/${USER_ID}/display%00name`],
      ['GET', `${V3}/register/available?username=a%00b`],
      ['GET', '/chat/client/v1/register/m.login.registration_token/validity?token=a%00b'],
      ['GET', `${V3}/account/whoami?access_token=a%00b`],
    ])('%s %s (a NUL in a path or query parameter) → 400 M_INVALID_PARAM', async (method, path) => {
      const res = await server.request(method, path, {
        body: method === 'GET' ? undefined : {},
        token: path.includes('access_token') ? undefined : token,
      });
      expectError(res, 400, 'M_INVALID_PARAM');
    });

    it('a NUL anywhere in a body is refused before any auth stage, and creates no account', async () => {
      const body = { username: 'nulled', password: PASSWORD, device_id: `D${NUL}` };
      expectError(await server.request('POST', `${V3}/register`, { body }), 400, 'M_BAD_JSON');
      const available = await server.request('GET', `${V3}/register/available?username=nulled`);
      expect(available.status).toBe(200);
    });
  });
});
