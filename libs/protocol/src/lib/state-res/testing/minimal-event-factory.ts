import { computeContentHash } from '../../events/event-hashing';
import type { Pdu } from '../../events/pdu';
import { RoomEvent } from '../../events/room-event';
import type { RoomVersion } from '../../events/room-versions';

export interface MinimalEventSpec {
  type: string;
  sender: string;
  stateKey?: string;
  content: Record<string, unknown>;
  prevEvents?: string[];
  authEvents?: string[];
  ts?: number;
  roomId?: string;
  /** Required by v1/v2 rooms, whose event ids are opaque. */
  eventId?: string;
}

/**
 * An unsigned, hashed event for state resolution tests, where signatures play no part. The auth
 * helper's factory did not exist when these tests were written.
 */
export function makeEvent(spec: MinimalEventSpec, version: RoomVersion): RoomEvent {
  const pdu: Pdu = {
    type: spec.type,
    sender: spec.sender,
    origin_server_ts: spec.ts ?? 0,
    content: spec.content,
    depth: (spec.prevEvents?.length ?? 0) + 1,
    prev_events: spec.prevEvents ?? [],
    auth_events: spec.authEvents ?? [],
    hashes: { sha256: '' },
    signatures: {},
  };
  if (spec.roomId !== undefined) pdu.room_id = spec.roomId;
  if (spec.stateKey !== undefined) pdu.state_key = spec.stateKey;
  if (spec.eventId !== undefined) pdu.event_id = spec.eventId;
  pdu.hashes.sha256 = computeContentHash(pdu);
  return new RoomEvent(pdu, version);
}
