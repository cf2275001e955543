import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';

import { RoomEventWriter } from '@chat/stream-writers';

import { TypingService } from './typing.service';

/**
 * A user who leaves, or is kicked or banned, stops typing there at once (as Synapse does). The
 * membership change is persisted here, or (worker mode) replicated from the room's persister.
 */
@Injectable()
export class TypingOnLeave implements OnModuleInit, OnModuleDestroy {
  private unsubscribe?: () => void;

  constructor(
    private readonly writer: RoomEventWriter,
    private readonly typing: TypingService,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.writer.onPersisted((roomId, events) => {
      for (const { event } of events) {
        if (event.stateKey !== undefined) {
          this.membershipChanged(roomId, event.stateKey, event.membership ?? null);
        }
      }
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** `membership` null: not a membership event. */
  membershipChanged(roomId: string, userId: string, membership: string | null): void {
    if (membership !== null && membership !== 'join') this.typing.stop(roomId, userId);
  }
}
