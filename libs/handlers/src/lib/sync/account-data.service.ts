import { Injectable } from '@nestjs/common';

import type { Requester } from '@chat/platform';
import { MatrixError, parseRoomId, parseUserId } from '@chat/protocol';
import { AccountDataStore } from '@chat/storage';

import { StreamNotifier } from './stream-notifier';

/** Types the server owns and clients change through their own endpoints (as Synapse). */
const SERVER_MANAGED = new Set(['m.fully_read', 'm.push_rules']);
const TAGS = 'm.tag';
const MAX_TYPE_BYTES = 255;

/** Global and per-room account data, and room tags (stored as the room's `m.tag`). */
@Injectable()
export class AccountDataService {
  constructor(
    private readonly accountData: AccountDataStore,
    private readonly notifier: StreamNotifier,
  ) {}

  async get(
    requester: Requester,
    userId: string,
    roomId: string | null,
    type: string,
  ): Promise<Record<string, unknown>> {
    this.check(requester, userId, roomId, type);
    const content = await this.accountData.getAccountData(userId, roomId, type);
    if (!content) throw MatrixError.notFound('Account data not found');
    return content;
  }

  async put(
    requester: Requester,
    userId: string,
    roomId: string | null,
    type: string,
    content: Record<string, unknown>,
  ): Promise<void> {
    this.check(requester, userId, roomId, type);
    if (SERVER_MANAGED.has(type)) {
      throw MatrixError.badJson(`Cannot set ${type} through this API`);
    }
    await this.write(userId, roomId, type, content);
  }

  async getTags(
    requester: Requester,
    userId: string,
    roomId: string,
  ): Promise<{ tags: Record<string, unknown> }> {
    this.check(requester, userId, roomId, TAGS);
    return { tags: await this.tags(userId, roomId) };
  }

  async putTag(
    requester: Requester,
    userId: string,
    roomId: string,
    tag: string,
    body: Record<string, unknown>,
  ): Promise<void> {
    this.check(requester, userId, roomId, TAGS);
    if (Buffer.byteLength(tag) > MAX_TYPE_BYTES) throw MatrixError.invalidParam('Tag too long');
    const order = body['order'];
    if (order !== undefined && (typeof order !== 'number' || order < 0 || order > 1)) {
      throw MatrixError.badJson('order must be a number between 0 and 1');
    }
    const tags = {
      ...(await this.tags(userId, roomId)),
      [tag]: order === undefined ? {} : { order },
    };
    await this.write(userId, roomId, TAGS, { tags });
  }

  async deleteTag(
    requester: Requester,
    userId: string,
    roomId: string,
    tag: string,
  ): Promise<void> {
    this.check(requester, userId, roomId, TAGS);
    const tags = await this.tags(userId, roomId);
    if (!(tag in tags)) return;
    delete tags[tag];
    await this.write(userId, roomId, TAGS, { tags });
  }

  private async write(
    userId: string,
    roomId: string | null,
    type: string,
    content: Record<string, unknown>,
  ): Promise<void> {
    const position = await this.accountData.putAccountData(userId, roomId, type, content);
    this.notifier.accountDataChanged(userId, position);
  }

  private async tags(userId: string, roomId: string): Promise<Record<string, unknown>> {
    const content = await this.accountData.getAccountData(userId, roomId, TAGS);
    const tags = content?.['tags'];
    return typeof tags === 'object' && tags !== null && !Array.isArray(tags)
      ? { ...(tags as Record<string, unknown>) }
      : {};
  }

  private check(requester: Requester, userId: string, roomId: string | null, type: string): void {
    if (!parseUserId(userId)) throw MatrixError.invalidParam('Invalid user id');
    if (roomId !== null && !parseRoomId(roomId)) throw MatrixError.invalidParam('Invalid room id');
    if (Buffer.byteLength(type) > MAX_TYPE_BYTES) throw MatrixError.invalidParam('Type too long');
    if (requester.userId !== userId) {
      throw MatrixError.forbidden('Cannot access account data of other users');
    }
  }
}
