import { Injectable } from '@nestjs/common';

import { MatrixError, stateMapKey } from '@chat/protocol';
import { EventStore, type StoredEvent } from '@chat/storage';

import { isEventVisible, morePermissive, parseHistoryVisibility } from './history-visibility';
import { RoomStateService } from './room-state.service';

const HISTORY_VISIBILITY = stateMapKey('m.room.history_visibility', '');

/** How a user may read a room: as a member, as a former member, or as a world-readable guest. */
export interface RoomReadAccess {
  roomId: string;
  userId: string;
  currentMembership: string | null;
  /** Set for users who left or were banned: reads stop at this event. */
  departedAt: StoredEvent | null;
}

/**
 * History visibility on every read path: who may read a room at all, and which events of it.
 */
@Injectable()
export class RoomAccessService {
  constructor(
    private readonly events: EventStore,
    private readonly state: RoomStateService,
  ) {}

  /**
   * Joined users read the room; users who left or were banned read it up to their departure;
   * anyone reads a world-readable room. Everyone else gets 403 (Synapse does not reveal whether
   * an unknown room exists either).
   */
  async requireReadAccess(userId: string, roomId: string): Promise<RoomReadAccess> {
    const membership = await this.events.getCurrentMembership(roomId, userId);
    const current = membership?.membership ?? null;
    if (current === 'join') return { roomId, userId, currentMembership: current, departedAt: null };
    if ((current === 'leave' || current === 'ban') && membership) {
      const departedAt =
        (await this.events.getEvents([membership.eventId])).get(membership.eventId) ?? null;
      return { roomId, userId, currentMembership: current, departedAt };
    }
    if (await this.isWorldReadable(roomId)) {
      return { roomId, userId, currentMembership: current, departedAt: null };
    }
    throw MatrixError.forbidden(
      `User ${userId} not in room ${roomId}, and room previews are disabled`,
    );
  }

  async isWorldReadable(roomId: string): Promise<boolean> {
    const event = await this.state.currentStateEvent(roomId, 'm.room.history_visibility', '');
    return parseHistoryVisibility(event?.event.content) === 'world_readable';
  }

  /** The events of `list` the user may see, in the same order. */
  async filterVisible(
    access: RoomReadAccess,
    list: readonly StoredEvent[],
  ): Promise<StoredEvent[]> {
    const memberKey = stateMapKey('m.room.member', access.userId);
    const states = await Promise.all(list.map((s) => this.state.stateAfter(s)));
    const ids = states.flatMap((state, i) =>
      [state.get(HISTORY_VISIBILITY), state.get(memberKey), list[i].replacesState].filter(
        (id): id is string => !!id,
      ),
    );
    const stateEvents = await this.events.getEvents(ids);
    return list.filter((stored, i) => {
      const hvId = states[i].get(HISTORY_VISIBILITY);
      const memberId = states[i].get(memberKey);
      let visibility = parseHistoryVisibility(
        hvId ? stateEvents.get(hvId)?.event.content : undefined,
      );
      // A visibility change is shown under the more permissive of its old and new setting.
      if (stored.event.type === 'm.room.history_visibility' && stored.replacesState) {
        const before = parseHistoryVisibility(stateEvents.get(stored.replacesState)?.event.content);
        visibility = morePermissive(visibility, before);
      }
      const membershipAtEvent = memberId
        ? (stateEvents.get(memberId)?.event.membership ?? null)
        : null;
      const visible = isEventVisible({
        visibility,
        membershipAtEvent,
        currentMembership: access.currentMembership,
        ownMembershipEvent:
          stored.event.type === 'm.room.member' && stored.event.stateKey === access.userId,
      });
      return visible;
    });
  }

  /** The event if it exists in the room and the user may see it; 404 otherwise. */
  async visibleEvent(access: RoomReadAccess, eventId: string): Promise<StoredEvent> {
    const stored = (await this.events.getEvents([eventId])).get(eventId);
    if (
      !stored ||
      stored.event.roomId !== access.roomId ||
      stored.outlier ||
      stored.event.rejectedReason !== null
    ) {
      throw MatrixError.notFound('Event not found.');
    }
    const [visible] = await this.filterVisible(access, [stored]);
    if (!visible) throw MatrixError.notFound('Event not found.');
    return visible;
  }
}
