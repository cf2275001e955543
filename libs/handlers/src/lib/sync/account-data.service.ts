import { Injectable } from '@nestjs/common';

import type { Requester } from '@chat/platform';
import { MatrixError, parseRoomId, parseUserId } from '@chat/protocol';
import { AccountDataStore } from '@chat/storage';

import type { StreamWriteBody } from '../common/stream-write-ops';
import { StreamWrites } from '../common/stream-writes';
import { StreamNotifier } from './stream-notifier';

/** Types the server owns and clients change through their own endpoints (as Synapse). */
const SERVER_MANAGED = new Set(['m.fully_read', 'm.push_rules']);
const TAGS = 'm.tag';
const MAX_TYPE_BYTES = 255;

/**
 * Global and per-room account data, and room tags (stored as the room's `m.tag`). Requests are
 * checked where they arrive; the `account_data` writer stores them.
 */
@Injectable()
export class AccountDataService {
  constructor(
    private readonly accountData: AccountDataStore,
    private readonly notifier: StreamNotifier,
    private readonly writes: StreamWrites,
  ) {
    writes.serve('add_user_account_data', (b) =>
      this.store(b.user_id, null, b.account_data_type, b.content),
    );
    writes.serve('add_room_account_data', (b) =>
      this.store(b.user_id, b.room_id, b.account_data_type, b.content),
    );
    writes.serve('add_tag', (body) => this.addTag(body));
    writes.serve('remove_tag', (body) => this.removeTag(body));
  }

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
    if (roomId === null) {
      await this.writes.write('add_user_account_data', {
        user_id: userId,
        account_data_type: type,
        content,
      });
    } else {
      await this.writes.write('add_room_account_data', {
        user_id: userId,
        room_id: roomId,
        account_data_type: type,
        content,
      });
    }
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
    await this.writes.write('add_tag', {
      user_id: userId,
      room_id: roomId,
      tag,
      content: order === undefined ? {} : { order },
    });
  }

  async deleteTag(
    requester: Requester,
    userId: string,
    roomId: string,
    tag: string,
  ): Promise<void> {
    this.check(requester, userId, roomId, TAGS);
    await this.writes.write('remove_tag', { user_id: userId, room_id: roomId, tag });
  }

  /** `add_tag` on the writer: the room's tags are one document, read and written here. */
  private async addTag(body: StreamWriteBody<'add_tag'>): Promise<void> {
    const tags = { ...(await this.tags(body.user_id, body.room_id)), [body.tag]: body.content };
    await this.store(body.user_id, body.room_id, TAGS, { tags });
  }

  private async removeTag(body: StreamWriteBody<'remove_tag'>): Promise<void> {
    const tags = await this.tags(body.user_id, body.room_id);
    if (!(body.tag in tags)) return;
    delete tags[body.tag];
    await this.store(body.user_id, body.room_id, TAGS, { tags });
  }

  /** Every account data write ends here, on the writer. */
  private async store(
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
