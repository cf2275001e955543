import { CanonicalJsonError } from '../../canonical-json';
import { computeContentHash } from '../../events/event-hashing';
import type { Pdu, PduReference } from '../../events/pdu';
import { RoomEvent } from '../../events/room-event';
import type { RoomVersion } from '../../events/room-versions';

export interface EventSpec {
  type: string;
  sender: string;
  stateKey?: string;
  content: Record<string, unknown>;
  prevEvents?: string[];
  authEvents?: string[];
  ts?: number;
  /**
   * Defaults to `!room:test`; a v12 create never gets one unless given (tests of the
   * "create has a room_id" rule pass it).
   */
  roomId?: string;
  /**
   * v1/v2: the PDU's `event_id`, by default a fresh `$eN:<sender's server>`. Later versions: a
   * readable fake id to use instead of the reference hash.
   */
  eventId?: string;
  depth?: number;
  /** Any other top-level PDU fields: `redacts`, `signatures`, `unsigned`… */
  extra?: Partial<Pdu>;
}

let fakeIds = 0;

/**
 * An unsigned RoomEvent for auth and state resolution tests, where signatures play no part: the
 * PDU has the version's wire shape (v1/v2 `[id, {sha256}]` references and an `event_id`) and a
 * correct content hash; ids from v3 on are real reference hashes unless `eventId` is given.
 */
export function makeEvent(spec: EventSpec, version: RoomVersion): RoomEvent {
  const v1Ids = version.eventIdFormat === 'v1';
  // The hash in a v1/v2 reference is never checked by the rules these tests exercise.
  const reference = (id: string): PduReference => (v1Ids ? [id, { sha256: 'fake' }] : id);
  const pdu: Pdu = {
    type: spec.type,
    sender: spec.sender,
    origin_server_ts: spec.ts ?? 0,
    content: spec.content,
    depth: spec.depth ?? (spec.prevEvents?.length ?? 0) + 1,
    prev_events: (spec.prevEvents ?? []).map(reference),
    auth_events: (spec.authEvents ?? []).map(reference),
    hashes: { sha256: '' },
    signatures: {},
    ...spec.extra,
  };
  const implicitRoomId = version.roomIdIsCreateHash && spec.type === 'm.room.create';
  const roomId = spec.roomId ?? (implicitRoomId ? undefined : '!room:test');
  if (roomId !== undefined) pdu.room_id = roomId;
  if (spec.stateKey !== undefined) pdu.state_key = spec.stateKey;
  if (v1Ids)
    pdu.event_id =
      spec.eventId ?? `$e${++fakeIds}:${spec.sender.slice(spec.sender.indexOf(':') + 1)}`;
  pdu.hashes = { sha256: contentHashOf(pdu) };
  return new RoomEvent(pdu, version, v1Ids ? undefined : spec.eventId);
}

/**
 * Floats are legal content in v1–v5 but have no canonical JSON here; such test events get a
 * placeholder hash (and, from v3, need an explicit `eventId`).
 */
function contentHashOf(pdu: Pdu): string {
  try {
    return computeContentHash(pdu);
  } catch (error) {
    if (error instanceof CanonicalJsonError) return 'unhashable';
    throw error;
  }
}
