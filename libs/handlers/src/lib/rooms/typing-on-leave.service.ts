import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';

import { RoomEventWriter } from '@chat/stream-writers';

import { TypingService } from './typing.service';

/** A user who leaves, or is kicked or banned, stops typing there at once (as Synapse does). */
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
        const membership = event.membership;
        if (membership !== undefined && membership !== 'join' && event.stateKey !== undefined) {
          this.typing.stop(roomId, event.stateKey);
        }
      }
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
