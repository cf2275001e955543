import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';

import { EventStore } from '@chat/storage';

import { Clock } from '../common/clock';

/** Clients retry a send within minutes; a day covers long offline spells (as Synapse keeps). */
const TXN_LIFETIME_MS = 24 * 60 * 60 * 1000;
const EXPIRY_INTERVAL_MS = 60 * 60 * 1000;

/** Forgets send/redact transaction ids once no client could still be retrying them. */
@Injectable()
export class EventTxnExpiry implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly events: EventStore,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      void this.events.expireTxnIds(this.clock.now() - TXN_LIFETIME_MS).catch(() => undefined);
    }, EXPIRY_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
