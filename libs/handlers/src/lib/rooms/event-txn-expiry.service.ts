import { Injectable, type OnModuleInit } from '@nestjs/common';

import { EventStore } from '@chat/storage';

import { BackgroundTasks } from '../common/background-tasks';
import { Clock } from '../common/clock';

/**
 * Clients retry a send within minutes; a day covers long offline spells (as Synapse keeps). For
 * every client transaction id the server records (`/send`, `/redact`, `/sendToDevice`).
 */
export const TXN_LIFETIME_MS = 24 * 60 * 60 * 1000;
const EXPIRY_INTERVAL_MS = 60 * 60 * 1000;

/** Forgets send/redact transaction ids once no client could still be retrying them. */
@Injectable()
export class EventTxnExpiry implements OnModuleInit {
  constructor(
    private readonly events: EventStore,
    private readonly clock: Clock,
    private readonly tasks: BackgroundTasks,
  ) {}

  onModuleInit(): void {
    this.tasks.every('expire_event_txn_ids', EXPIRY_INTERVAL_MS, () =>
      this.events.expireTxnIds(this.clock.now() - TXN_LIFETIME_MS),
    );
  }
}
