import { createHash } from 'node:crypto';
import { encodeBase64, encodeBase64Url, decodeBase64 } from '../base64';
import { canonicalJsonBytes } from '../canonical-json';
import { signJson, verifyJsonSignature, type SigningKey } from '../signing';
import type { Pdu } from './pdu';
import { redactEvent } from './redaction';
import type { RoomVersion } from './room-versions';

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

function without(event: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const copy = { ...event };
  for (const key of keys) delete copy[key];
  return copy;
}

/** Standard unpadded base64 SHA-256 over the PDU minus `unsigned`, `signatures`, `hashes`. */
export function computeContentHash(pdu: Record<string, unknown>): string {
  return encodeBase64(
    sha256(canonicalJsonBytes(without(pdu, ['unsigned', 'signatures', 'hashes']))),
  );
}

/** Raw SHA-256 of the redacted PDU minus `signatures` and `unsigned` (protocol.md §2.4). */
export function computeReferenceHash(pdu: Record<string, unknown>, version: RoomVersion): Buffer {
  const redacted = redactEvent(pdu, version);
  return sha256(canonicalJsonBytes(without(redacted, ['signatures', 'unsigned'])));
}

/**
 * The event id of a PDU: its `event_id` field in v1/v2, otherwise `$` + the reference hash in the
 * version's base64 alphabet.
 */
export function computeEventId(pdu: Pdu, version: RoomVersion): string {
  if (version.eventIdFormat === 'v1') {
    if (typeof pdu.event_id !== 'string') throw new Error('v1/v2 PDU without event_id');
    return pdu.event_id;
  }
  const hash = computeReferenceHash(pdu, version);
  return '$' + (version.eventIdFormat === 'v3' ? encodeBase64(hash) : encodeBase64Url(hash));
}

/** The v12 room id a create event defines: its event id with `!` for `$`. */
export function roomIdFromCreateEventId(eventId: string): string {
  return '!' + eventId.slice(1);
}

/** The create event id a v12 room id names. */
export function createEventIdFromRoomId(roomId: string): string {
  return '$' + roomId.slice(1);
}

/**
 * Sets `hashes.sha256` and adds our signature over the redacted copy, so a redacted event still
 * verifies. Returns a new PDU.
 */
export function hashAndSignEvent(
  pdu: Omit<Pdu, 'hashes' | 'signatures'> & Partial<Pick<Pdu, 'hashes' | 'signatures'>>,
  version: RoomVersion,
  serverName: string,
  key: SigningKey,
): Pdu {
  const hashed = { ...pdu, hashes: { sha256: computeContentHash(pdu) } } as Pdu;
  const redacted = without(redactEvent(hashed, version), ['unsigned', 'signatures']);
  const signed = signJson(redacted, serverName, key);
  return {
    ...hashed,
    signatures: mergeSignatures(pdu.signatures ?? {}, signed['signatures'] as Pdu['signatures']),
  };
}

function mergeSignatures(a: Pdu['signatures'], b: Pdu['signatures']): Pdu['signatures'] {
  const out: Pdu['signatures'] = { ...a };
  for (const [server, sigs] of Object.entries(b)) out[server] = { ...(out[server] ?? {}), ...sigs };
  return out;
}

/** Whether `pdu` carries a valid signature by `serverName` with the given public key. */
export function verifyEventSignature(
  pdu: Pdu,
  version: RoomVersion,
  serverName: string,
  keyId: string,
  publicKeyBase64: string,
): boolean {
  const redacted = redactEvent(without(pdu, ['unsigned']), version);
  return verifyJsonSignature(redacted, serverName, keyId, publicKeyBase64);
}

/** Whether the PDU's content hash matches (protocol.md §2.4; a mismatch means "keep redacted"). */
export function checkContentHash(pdu: Pdu): boolean {
  const claimed = typeof pdu.hashes?.sha256 === 'string' ? decodeBase64(pdu.hashes.sha256) : null;
  if (!claimed) return false;
  return claimed.equals(Buffer.from(computeContentHash(pdu), 'base64'));
}
