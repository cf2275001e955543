import { canonicalJsonBytes } from '../canonical-json';
import { parseUserId } from '../identifiers';
import { MatrixError } from '../matrix-error';
import {
  MAX_AUTH_EVENTS,
  MAX_PDU_BYTES,
  MAX_PDU_FIELD_BYTES,
  MAX_PREV_EVENTS,
  type Pdu,
} from './pdu';
import { isObject } from './redaction';
import type { RoomVersion } from './room-versions';

/** Size of the PDU as canonical JSON, signatures included (the 64 KiB limit applies to this). */
export function pduSizeBytes(pdu: Pdu): number {
  return canonicalJsonBytes(pdu).length;
}

function bad(message: string): never {
  throw MatrixError.badJson(message);
}

/**
 * The format checks of protocol.md §2.2 / §3.5 step 1: fields and types, byte limits, reference
 * counts, depth, and (v6+) strict canonical JSON. Oversized events are 413 M_TOO_LARGE.
 */
export function validatePduFormat(value: unknown, version: RoomVersion): Pdu {
  if (!isObject(value)) bad('event is not an object');
  const pdu = value as Pdu;
  for (const key of ['type', 'sender'] as const) {
    if (typeof pdu[key] !== 'string') bad(`${key} must be a string`);
  }
  // v1/v2 carry their id; without it the event cannot be referenced or hashed.
  if (version.eventIdFormat === 'v1' && typeof pdu.event_id !== 'string') {
    bad('event_id is required in this room version');
  }
  const isCreate = pdu.type === 'm.room.create';
  if (pdu.room_id === undefined) {
    if (!(version.roomIdIsCreateHash && isCreate)) bad('room_id is required');
  } else if (typeof pdu.room_id !== 'string') {
    bad('room_id must be a string');
  } else if (version.roomIdIsCreateHash && isCreate) {
    bad('a v12 create event has no room_id');
  }
  if (pdu.state_key !== undefined && typeof pdu.state_key !== 'string')
    bad('state_key must be a string');
  if (!isObject(pdu.content)) bad('content must be an object');
  if (!Number.isInteger(pdu.origin_server_ts)) bad('origin_server_ts must be an integer');
  if (!Number.isInteger(pdu.depth) || pdu.depth < 0 || pdu.depth > version.maxDepth) {
    bad('depth must be an integer within the room version limit');
  }
  for (const [key, max] of [
    ['prev_events', MAX_PREV_EVENTS],
    ['auth_events', MAX_AUTH_EVENTS],
  ] as const) {
    const refs = pdu[key];
    if (!Array.isArray(refs)) bad(`${key} must be a list`);
    if (refs.length > max) bad(`${key} may list at most ${max} events`);
    for (const ref of refs) {
      const ok =
        version.eventIdFormat === 'v1'
          ? Array.isArray(ref) && ref.length === 2 && typeof ref[0] === 'string' && isObject(ref[1])
          : typeof ref === 'string';
      if (!ok) bad(`${key} entries have the wrong shape for this room version`);
    }
  }
  if (!isObject(pdu.hashes) || typeof pdu.hashes.sha256 !== 'string')
    bad('hashes.sha256 is required');
  if (!isObject(pdu.signatures)) bad('signatures must be an object');
  for (const key of ['type', 'state_key'] as const) {
    if (typeof pdu[key] === 'string' && (pdu[key] as string).includes('\u0000')) {
      bad(`${key} may not contain NUL`);
    }
  }
  for (const key of ['sender', 'room_id', 'event_id', 'type', 'state_key'] as const) {
    const field = pdu[key];
    if (typeof field === 'string' && Buffer.byteLength(field) > MAX_PDU_FIELD_BYTES) {
      throw MatrixError.tooLarge(`${key} is longer than ${MAX_PDU_FIELD_BYTES} bytes`);
    }
  }
  // Signature checks and the auth rules need the sender's server name.
  if (!parseUserId(pdu.sender)) bad('sender must be a user id');
  let size: number;
  try {
    size = pduSizeBytes(pdu);
  } catch (err) {
    // Floats and out-of-range integers have no canonical form: v6+ refuses them outright.
    if (version.strictCanonicalJson) throw err;
    size = Buffer.byteLength(JSON.stringify(pdu));
  }
  if (size > MAX_PDU_BYTES)
    throw MatrixError.tooLarge(`event is larger than ${MAX_PDU_BYTES} bytes`);
  return pdu;
}
