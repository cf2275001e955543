import type { StreamWriterName } from '@chat/config';
import { MatrixError } from '@chat/protocol';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A kind of body field: what it may hold, and how an error message names that. */
function kind<T>(expected: string, accepts: (v: unknown) => boolean) {
  return { expected, accepts: accepts as (v: unknown) => v is T };
}

const FIELD_KINDS = {
  string: kind<string>('a string', (v) => typeof v === 'string'),
  optionalString: kind<string | undefined>(
    'a string or absent',
    (v) => v === undefined || typeof v === 'string',
  ),
  nullableString: kind<string | null>(
    'a string or null',
    (v) => v === null || typeof v === 'string',
  ),
  number: kind<number>('a number', (v) => typeof v === 'number' && Number.isFinite(v)),
  boolean: kind<boolean>('a boolean', (v) => typeof v === 'boolean'),
  object: kind<Record<string, unknown>>('an object', isObject),
  strings: kind<string[]>(
    'a list of strings',
    (v) => Array.isArray(v) && v.every((item) => typeof item === 'string'),
  ),
};

type FieldKind = keyof typeof FIELD_KINDS;
type FieldValue<K extends FieldKind> = (typeof FIELD_KINDS)[K]['accepts'] extends (
  v: unknown,
) => v is infer T
  ? T
  : never;
type Fields = Record<string, FieldKind>;

/** One write that runs on its stream's writer. */
export interface StreamWriteOp<F extends Fields = Fields> {
  stream: StreamWriterName;
  /** The body's fields, checked on the writer: our processes send them, but never trust a wire. */
  fields: F;
  /** Multi-writer streams: the body field that picks the writer, as a room picks its persister. */
  shardKey?: string;
  /** The fields of the writer's answer, checked by the caller; most writes answer nothing. */
  result?: Fields;
}

function op<F extends Fields, R extends Fields | undefined = undefined>(
  stream: StreamWriterName,
  fields: F,
  options: { shardKey?: keyof F & string; result?: R } = {},
): StreamWriteOp<F> & { result: R } {
  return { stream, fields, shardKey: options.shardKey, result: options.result as R };
}

/**
 * Every write of a stream other than events, by the name of the replication endpoint that runs it
 * on the stream's writer (replication.md §6.5's where it has one), with its body. A body carries
 * only what the write itself needs: the request was validated, and its permissions checked, where
 * it arrived, so clients get the same errors on every process.
 */
export const STREAM_WRITE_OPS = {
  typing_set: op('typing', {
    room_id: 'string',
    user_id: 'string',
    typing: 'boolean',
    timeout_ms: 'number',
  }),
  // Sharded by room: one room's receipts are compared and moved in one process.
  receipt_set: op(
    'receipts',
    {
      room_id: 'string',
      receipt_type: 'string',
      user_id: 'string',
      event_id: 'string',
      thread_id: 'string',
    },
    { shardKey: 'room_id' },
  ),
  add_user_account_data: op('account_data', {
    user_id: 'string',
    account_data_type: 'string',
    content: 'object',
  }),
  add_room_account_data: op('account_data', {
    user_id: 'string',
    room_id: 'string',
    account_data_type: 'string',
    content: 'object',
  }),
  // Tags are one document per room: the writer merges, so concurrent tag edits are serialised.
  add_tag: op('account_data', {
    user_id: 'string',
    room_id: 'string',
    tag: 'string',
    content: 'object',
  }),
  remove_tag: op('account_data', { user_id: 'string', room_id: 'string', tag: 'string' }),
  /** `messages`: user id → device id → content, devices already resolved (no `*`). */
  send_to_device: op('to_device', {
    sender_user_id: 'string',
    sender_device_id: 'string',
    txn_id: 'string',
    type: 'string',
    messages: 'object',
  }),
  push_rule_put: op('push_rules', {
    user_id: 'string',
    kind: 'string',
    rule_id: 'string',
    rule: 'object',
    before: 'optionalString',
    after: 'optionalString',
  }),
  push_rule_delete: op('push_rules', { user_id: 'string', kind: 'string', rule_id: 'string' }),
  /** `body`: the client's body, read again on the writer for the attribute's new value. */
  push_rule_set_attribute: op('push_rules', {
    user_id: 'string',
    kind: 'string',
    rule_id: 'string',
    attribute: 'string',
    body: 'object',
  }),
  /** `is_sync`: a sync's activity; it keeps the status message, refreshes at most once a minute. */
  presence_set_state: op('presence', {
    user_id: 'string',
    state: 'string',
    status_msg: 'nullableString',
    is_sync: 'boolean',
  }),
  // A user's devices change on the user's writer, which commits the device rows, their access
  // tokens and the stream rows together: other users' clients learn of every change.
  /** Adds the device unless it exists, and issues it an access token. */
  device_login: op(
    'device_lists',
    { user_id: 'string', device_id: 'string', display_name: 'nullableString' },
    { shardKey: 'user_id', result: { access_token: 'string' } },
  ),
  device_rename: op(
    'device_lists',
    { user_id: 'string', device_id: 'string', display_name: 'nullableString' },
    { shardKey: 'user_id' },
  ),
  /** Deletes the devices with their access tokens. */
  devices_delete: op(
    'device_lists',
    { user_id: 'string', device_ids: 'strings' },
    { shardKey: 'user_id' },
  ),
  /** Deletes every device of the user but `except_device_id`, with their access tokens. */
  devices_delete_all: op(
    'device_lists',
    { user_id: 'string', except_device_id: 'optionalString' },
    { shardKey: 'user_id' },
  ),
} satisfies Record<string, StreamWriteOp>;

export type StreamWriteName = keyof typeof STREAM_WRITE_OPS;

export const STREAM_WRITE_NAMES = Object.keys(STREAM_WRITE_OPS) as StreamWriteName[];

type BodyOf<F> = { [K in keyof F]: F[K] extends FieldKind ? FieldValue<F[K]> : never };

export type StreamWriteBody<Op extends StreamWriteName> = BodyOf<
  (typeof STREAM_WRITE_OPS)[Op]['fields']
>;

/** What the writer answers: nothing, unless the write declares a `result`. */
export type StreamWriteResult<Op extends StreamWriteName> =
  (typeof STREAM_WRITE_OPS)[Op]['result'] extends Fields
    ? BodyOf<(typeof STREAM_WRITE_OPS)[Op]['result']>
    : void;

/** The first field of `value` that does not hold its kind, as an error message says it. */
function misfit(fields: Fields, value: Record<string, unknown>): string | undefined {
  for (const [name, fieldKind] of Object.entries(fields)) {
    const { expected, accepts } = FIELD_KINDS[fieldKind];
    if (!accepts(value[name])) return `${name} must be ${expected}`;
  }
  return undefined;
}

/** A forwarded write's body as the writer reads it: 400 M_BAD_JSON for anything else. */
export function parseStreamWrite<Op extends StreamWriteName>(
  op: Op,
  body: unknown,
): StreamWriteBody<Op> {
  if (!isObject(body)) throw MatrixError.badJson(`${op} needs a JSON object`);
  const problem = misfit(STREAM_WRITE_OPS[op].fields, body);
  if (problem) throw MatrixError.badJson(`${op}: ${problem}`);
  return body as StreamWriteBody<Op>;
}

/**
 * The writer's answer as the caller reads it. One that does not fit is the writer's fault, not
 * the client's: a plain error.
 */
export function parseStreamWriteResult<Op extends StreamWriteName>(
  op: Op,
  answer: unknown,
): StreamWriteResult<Op> {
  const fields: Fields | undefined = STREAM_WRITE_OPS[op].result;
  if (!fields) return undefined as StreamWriteResult<Op>;
  const problem = isObject(answer) ? misfit(fields, answer) : 'the answer must be an object';
  if (problem) throw new Error(`${op}: the writer's answer does not fit: ${problem}`);
  return answer as StreamWriteResult<Op>;
}
