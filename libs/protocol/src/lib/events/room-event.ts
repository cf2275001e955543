import { computeEventId, createEventIdFromRoomId, roomIdFromCreateEventId } from './event-hashing';
import { referenceId, type Pdu } from './pdu';
import { isObject } from './redaction';
import type { RoomVersion } from './room-versions';

/**
 * A PDU together with its room version and id: the one event type the auth rules, state
 * resolution, storage and handlers share. The PDU is kept exactly as it travels, so hashes and
 * ids computed from it stay right (protocol.md §2.4 pitfall).
 */
export class RoomEvent {
  private cachedId: string | undefined;

  constructor(
    readonly pdu: Pdu,
    readonly version: RoomVersion,
    eventId?: string,
    /** Why the event failed authorization, if it did; rejected events never enter any state. */
    public rejectedReason: string | null = null,
  ) {
    this.cachedId = eventId;
  }

  get eventId(): string {
    this.cachedId ??= computeEventId(this.pdu, this.version);
    return this.cachedId;
  }

  get roomId(): string {
    if (this.version.roomIdIsCreateHash && this.type === 'm.room.create') {
      return roomIdFromCreateEventId(this.eventId);
    }
    return this.pdu.room_id ?? '';
  }

  get type(): string {
    return this.pdu.type;
  }

  get sender(): string {
    return this.pdu.sender;
  }

  get stateKey(): string | undefined {
    return typeof this.pdu.state_key === 'string' ? this.pdu.state_key : undefined;
  }

  isState(): boolean {
    return this.stateKey !== undefined;
  }

  get content(): Record<string, unknown> {
    return isObject(this.pdu.content) ? this.pdu.content : {};
  }

  get originServerTs(): number {
    return this.pdu.origin_server_ts;
  }

  get depth(): number {
    return this.pdu.depth;
  }

  get prevEventIds(): string[] {
    return this.pdu.prev_events.map(referenceId);
  }

  /** `auth_events` as on the wire. */
  get authEventIds(): string[] {
    return this.pdu.auth_events.map(referenceId);
  }

  /**
   * `auth_events` plus, in v12, the create event every non-create event implicitly cites
   * (protocol.md §3.3): auth chains, auth states and iterative auth checks all need it.
   */
  get authEventIdsWithCreate(): string[] {
    if (!this.version.createNotInAuthEvents || this.type === 'm.room.create') {
      return this.authEventIds;
    }
    return [createEventIdFromRoomId(this.roomId), ...this.authEventIds];
  }

  /** The event a redaction targets: `content.redacts` from v11, top-level before. */
  get redacts(): string | undefined {
    if (this.type !== 'm.room.redaction') return undefined;
    const value = this.version.redactsInContent ? this.content['redacts'] : this.pdu.redacts;
    return typeof value === 'string' ? value : undefined;
  }

  /** `content.membership` of a member event. */
  get membership(): string | undefined {
    const value = this.type === 'm.room.member' ? this.content['membership'] : undefined;
    return typeof value === 'string' ? value : undefined;
  }
}
