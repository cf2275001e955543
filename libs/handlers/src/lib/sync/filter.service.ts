import { Injectable } from '@nestjs/common';

import type { Requester } from '@chat/platform';
import { MatrixError, parseUserId } from '@chat/protocol';
import { FilterStore } from '@chat/storage';

import { validateFilter, type Filter } from './filter';

/** `user/{userId}/filter`: clients store sync filters and refer to them by id. */
@Injectable()
export class FilterService {
  constructor(private readonly filters: FilterStore) {}

  async create(
    requester: Requester,
    userId: string,
    body: unknown,
  ): Promise<{ filter_id: string }> {
    this.requireOwn(requester, userId);
    const filter = validateFilter(body);
    return { filter_id: await this.filters.addFilter(userId, filter as Record<string, unknown>) };
  }

  async get(requester: Requester, userId: string, filterId: string): Promise<Filter> {
    this.requireOwn(requester, userId);
    if (!/^\d{1,15}$/.test(filterId)) throw MatrixError.invalidParam('Invalid filter id');
    const filter = await this.filters.getFilter(userId, filterId);
    if (!filter) throw MatrixError.notFound('No such filter');
    return filter as Filter;
  }

  private requireOwn(requester: Requester, userId: string): void {
    if (!parseUserId(userId)) throw MatrixError.invalidParam('Invalid user id');
    if (requester.userId !== userId) {
      throw MatrixError.forbidden('Cannot use filters of other users');
    }
  }
}
