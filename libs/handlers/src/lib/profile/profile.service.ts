import { Injectable, Logger } from '@nestjs/common';

import type { Requester } from '@chat/platform';
import { MatrixError, parseUserId } from '@chat/protocol';
import { AccountStore, EventStore, type ProfileRecord } from '@chat/storage';
import { RoomEventSender } from '../rooms/room-event-sender';

/** The profile fields this server stores; the `m.profile_fields` capability advertises them. */
export const PROFILE_FIELDS = ['displayname', 'avatar_url'] as const;
type ProfileField = (typeof PROFILE_FIELDS)[number];

const KEY_PATTERN = /^(avatar_url|displayname|m\.tz|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/;
const MAX_DISPLAYNAME_LENGTH = 256;
const MAX_AVATAR_URL_LENGTH = 1000;

function isProfileField(key: string): key is ProfileField {
  return (PROFILE_FIELDS as readonly string[]).includes(key);
}

@Injectable()
export class ProfileService {
  private readonly logger = new Logger(ProfileService.name);

  constructor(
    private readonly accounts: AccountStore,
    private readonly events: EventStore,
    private readonly writer: RoomEventSender,
  ) {}

  async getProfile(userId: string): Promise<Record<string, string>> {
    const profile = await this.requireProfile(userId);
    return {
      ...(profile.displayname !== null && { displayname: profile.displayname }),
      ...(profile.avatarUrl !== null && { avatar_url: profile.avatarUrl }),
    };
  }

  async getField(userId: string, key: string): Promise<Record<string, string>> {
    const profile = await this.requireProfile(userId);
    const value =
      key === 'displayname' ? profile.displayname : key === 'avatar_url' ? profile.avatarUrl : null;
    if (value === null) throw MatrixError.notFound('The profile field is not set');
    return { [key]: value };
  }

  async setField(requester: Requester, userId: string, key: string, body: Record<string, unknown>) {
    const field = this.writableField(requester, userId, key);
    if (!(key in body)) throw MatrixError.missingParam(`Missing key '${key}'`);
    const value = body[key];
    if (typeof value !== 'string') throw MatrixError.badJson(`${key} must be a string`);
    if (field === 'displayname') {
      if (value.length > MAX_DISPLAYNAME_LENGTH) {
        throw MatrixError.badJson(`Displayname is too long (max ${MAX_DISPLAYNAME_LENGTH})`);
      }
      await this.accounts.setDisplayname(userId, value);
    } else {
      if (value.length > MAX_AVATAR_URL_LENGTH) {
        throw MatrixError.badJson(`Avatar URL is too long (max ${MAX_AVATAR_URL_LENGTH})`);
      }
      await this.accounts.setAvatarUrl(userId, value);
    }
    await this.updateMemberships(userId);
    return {};
  }

  async deleteField(requester: Requester, userId: string, key: string) {
    const field = this.writableField(requester, userId, key);
    if (field === 'displayname') await this.accounts.setDisplayname(userId, null);
    else await this.accounts.setAvatarUrl(userId, null);
    await this.updateMemberships(userId);
    return {};
  }

  /**
   * Clients show names and avatars from member events, so a profile change re-sends the user's
   * join in every room (as Synapse does). A room that refuses it keeps the old profile.
   */
  private async updateMemberships(userId: string): Promise<void> {
    const content = { membership: 'join', ...(await this.getProfile(userId)) };
    const rooms = await this.events.getRoomsForUser(userId, ['join']);
    await Promise.all(
      rooms.map((roomId) =>
        this.writer
          .send(roomId, [{ type: 'm.room.member', stateKey: userId, sender: userId, content }])
          .catch((err: unknown) => this.logger.warn(`profile update in ${roomId}: ${String(err)}`)),
      ),
    );
  }

  private writableField(requester: Requester, userId: string, key: string): ProfileField {
    if (Buffer.byteLength(key, 'utf8') > 255) {
      throw new MatrixError(400, 'M_KEY_TOO_LARGE', 'Profile key is longer than 255 bytes');
    }
    if (!KEY_PATTERN.test(key)) throw MatrixError.invalidParam('Invalid profile key.');
    if (requester.userId !== userId)
      throw MatrixError.forbidden("Cannot change another user's profile");
    if (!isProfileField(key))
      throw MatrixError.forbidden(`Profile field '${key}' cannot be changed on this server`);
    return key;
  }

  private async requireProfile(userId: string): Promise<ProfileRecord> {
    if (!parseUserId(userId)) throw MatrixError.invalidParam('Invalid user id');
    const [user, profile] = await Promise.all([
      this.accounts.getUser(userId),
      this.accounts.getProfile(userId),
    ]);
    if (!user || !profile) throw MatrixError.notFound('Profile was not found');
    return profile;
  }
}
