import { Inject, Injectable } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG, type Requester } from '@chat/platform';
import {
  getRoomVersion,
  MatrixError,
  parseRoomAlias,
  parseRoomId,
  parseUserId,
} from '@chat/protocol';
import { EventStore, RoomAliasStore } from '@chat/storage';

import { ProfileService } from '../profile/profile.service';
import { RoomStateService } from './room-state.service';
import { RoomEventSender } from './room-event-sender';

/**
 * Membership changes through the client API: join, invite, leave, kick, ban, unban, knock and
 * forget. The writer's authorization rules decide; the checks here only give clearer errors.
 */
@Injectable()
export class MembershipService {
  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly writer: RoomEventSender,
    private readonly events: EventStore,
    private readonly aliases: RoomAliasStore,
    private readonly state: RoomStateService,
    private readonly profiles: ProfileService,
  ) {}

  /** A room id, or a local alias resolved to one; 404 for unknown rooms. */
  async resolveRoom(roomIdOrAlias: string): Promise<string> {
    if (roomIdOrAlias.startsWith('#')) {
      if (!parseRoomAlias(roomIdOrAlias)) throw MatrixError.invalidParam('Invalid room alias');
      const record = await this.aliases.getAlias(roomIdOrAlias);
      if (!record) throw MatrixError.notFound(`Room alias ${roomIdOrAlias} not found`);
      return record.roomId;
    }
    if (!parseRoomId(roomIdOrAlias)) throw MatrixError.invalidParam('Invalid room id or alias');
    await this.state.requireRoom(roomIdOrAlias);
    return roomIdOrAlias;
  }

  async join(
    requester: Requester,
    roomIdOrAlias: string,
    reason?: string,
  ): Promise<{ room_id: string }> {
    return this.changeOwn(requester, roomIdOrAlias, 'join', reason);
  }

  async knock(
    requester: Requester,
    roomIdOrAlias: string,
    reason?: string,
  ): Promise<{ room_id: string }> {
    return this.changeOwn(requester, roomIdOrAlias, 'knock', reason);
  }

  /** A join or knock: the requester's own membership, carrying their profile. */
  private async changeOwn(
    requester: Requester,
    roomIdOrAlias: string,
    membership: 'join' | 'knock',
    reason: string | undefined,
  ): Promise<{ room_id: string }> {
    const roomId = await this.resolveRoom(roomIdOrAlias);
    if (membership === 'knock') {
      const room = await this.state.requireRoom(roomId);
      if (!getRoomVersion(room.roomVersion)?.knock) {
        throw MatrixError.forbidden('This room version does not support knocking');
      }
    }
    const profile = await this.profileContent(requester.userId);
    await this.change(requester, roomId, requester.userId, membership, reason, profile);
    return { room_id: roomId };
  }

  async invite(
    requester: Requester,
    roomId: string,
    userId: string,
    reason?: string,
  ): Promise<void> {
    await this.state.requireRoom(roomId);
    this.requireUserId(userId);
    const current = await this.state.membership(roomId, userId);
    if (current === 'ban') throw MatrixError.forbidden(`${userId} is banned from the room`);
    if (current === 'join') throw MatrixError.forbidden(`${userId} is already in the room`);
    await this.change(
      requester,
      roomId,
      userId,
      'invite',
      reason,
      await this.profileContent(userId),
    );
  }

  async leave(requester: Requester, roomId: string, reason?: string): Promise<void> {
    await this.state.requireRoom(roomId);
    const current = await this.state.membership(roomId, requester.userId);
    // Leaving a room one already left is a no-op, as in Synapse.
    if (current === null || current === 'leave') {
      if (current === null)
        throw MatrixError.forbidden(`User ${requester.userId} is not in the room`);
      return;
    }
    await this.change(requester, roomId, requester.userId, 'leave', reason);
  }

  async kick(requester: Requester, roomId: string, userId: string, reason?: string): Promise<void> {
    await this.state.requireRoom(roomId);
    this.requireUserId(userId);
    const current = await this.state.membership(roomId, userId);
    if (current !== 'join' && current !== 'invite' && current !== 'knock') {
      throw MatrixError.forbidden('The target user is not in the room');
    }
    await this.change(requester, roomId, userId, 'leave', reason);
  }

  async ban(requester: Requester, roomId: string, userId: string, reason?: string): Promise<void> {
    await this.state.requireRoom(roomId);
    this.requireUserId(userId);
    await this.change(requester, roomId, userId, 'ban', reason);
  }

  async unban(
    requester: Requester,
    roomId: string,
    userId: string,
    reason?: string,
  ): Promise<void> {
    await this.state.requireRoom(roomId);
    this.requireUserId(userId);
    if ((await this.state.membership(roomId, userId)) !== 'ban') {
      throw new MatrixError(403, 'M_BAD_STATE', `${userId} is not banned`);
    }
    await this.change(requester, roomId, userId, 'leave', reason);
  }

  async forget(requester: Requester, roomId: string): Promise<void> {
    const current = await this.state.membership(roomId, requester.userId);
    if (current === null && !(await this.events.getRoom(roomId))) {
      throw MatrixError.notFound('Unknown room');
    }
    if (current === 'join' || current === 'invite' || current === 'knock') {
      throw MatrixError.unknown('User is in room, cannot forget', 400);
    }
    await this.events.markForgotten(roomId, requester.userId);
  }

  private requireUserId(userId: unknown): void {
    if (typeof userId !== 'string' || !parseUserId(userId)) {
      throw MatrixError.invalidParam('user_id is not a valid user id');
    }
  }

  private async profileContent(userId: string): Promise<Record<string, unknown>> {
    if (parseUserId(userId)?.serverName !== this.config.serverName) return {};
    return this.profiles.getProfile(userId).catch(() => ({}));
  }

  private async change(
    requester: Requester,
    roomId: string,
    target: string,
    membership: string,
    reason: string | undefined,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const content: Record<string, unknown> = { ...extra, membership };
    if (typeof reason === 'string') content['reason'] = reason;
    const [written] = await this.writer.send(roomId, [
      { type: 'm.room.member', stateKey: target, sender: requester.userId, content },
    ]);
    return written.eventId;
  }
}
