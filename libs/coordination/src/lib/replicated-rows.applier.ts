import { Injectable } from '@nestjs/common';

import {
  PushActionsCalculator,
  StreamNotifier,
  TypingOnLeave,
  TypingService,
  type ReplicatedRoomEvent,
  type TypingRow,
} from '@chat/handlers';
import {
  EVENTS_ROW_TYPES,
  type AccountDataStreamRow,
  type AppliedRows,
  type CachesStreamRow,
  type DeviceListsStreamRow,
  type EventsStreamRow,
  type PresenceStreamRow,
  type PushRulesStreamRow,
  type ReceiptsStreamRow,
  type ToDeviceStreamRow,
} from '@chat/replication';
import { CacheInvalidations, EventStore } from '@chat/storage';
import { STREAM_NAMES } from '@chat/streams';

/**
 * What another process's rows mean here (replication.md §3.7). Before the stream position moves,
 * the caches forget what the rows changed (`invalidate`); once it moved, the syncs the rows
 * concern wake up (`notify`) and find fresh data.
 */
@Injectable()
export class ReplicatedRowsApplier {
  constructor(
    private readonly notifier: StreamNotifier,
    private readonly events: EventStore,
    private readonly pushActions: PushActionsCalculator,
    private readonly typing: TypingService,
    private readonly typingOnLeave: TypingOnLeave,
    private readonly caches: CacheInvalidations,
  ) {}

  invalidate({ stream, writer, token, rows }: AppliedRows): void {
    if (stream === STREAM_NAMES.events) {
      const eventRows = rows as readonly EventsStreamRow[];
      for (const [type, data] of eventRows) {
        // A redaction written elsewhere changes the redacted event's cached copy here.
        if (type === EVENTS_ROW_TYPES.event && data[4] !== null)
          this.events.forgetCachedEvent(data[4]);
      }
      this.notifier.recordReplicatedRoomEvents(roomEvents(eventRows, writer, token));
    } else if (stream === STREAM_NAMES.pushRules) {
      for (const [userId] of rows as readonly PushRulesStreamRow[])
        this.pushActions.forgetRules(userId);
    } else if (stream === STREAM_NAMES.caches) {
      for (const [cache, key] of rows as readonly CachesStreamRow[])
        this.caches.received(cache, key);
    }
  }

  async notify({ stream, writer, token, rows }: AppliedRows): Promise<void> {
    switch (stream) {
      case STREAM_NAMES.events: {
        const events = roomEvents(rows as readonly EventsStreamRow[], writer, token);
        this.notifier.announceReplicatedRoomEvents(events);
        // The typing writer ends the typing of members who left, wherever they left.
        for (const e of events) {
          if (e.stateKey !== null) {
            this.typingOnLeave.membershipChanged(e.roomId, e.stateKey, e.membership);
          }
        }
        return;
      }
      case STREAM_NAMES.typing:
        // Typing is the follower's copy of the writer's memory: rows and position move together.
        this.notifier.replicatedStreamAdvanced('typing', {
          rooms: this.typing.applyReplicated(token, rows as readonly TypingRow[]),
        });
        return;
      case STREAM_NAMES.receipts:
        this.notifier.replicatedStreamAdvanced('receipt', {
          rooms: unique((rows as readonly ReceiptsStreamRow[]).map((r) => r[0])),
        });
        return;
      case STREAM_NAMES.accountData:
        this.notifier.replicatedStreamAdvanced('account_data', {
          users: unique((rows as readonly AccountDataStreamRow[]).map((r) => r[0])),
        });
        return;
      case STREAM_NAMES.toDevice:
        // Entities that are not local users are remote servers, for the federation sender.
        this.notifier.replicatedStreamAdvanced('to_device', {
          users: unique((rows as readonly ToDeviceStreamRow[]).map((r) => r[0])).filter((e) =>
            e.startsWith('@'),
          ),
        });
        return;
      case STREAM_NAMES.pushRules:
        this.notifier.replicatedStreamAdvanced('push_rules', {
          users: unique((rows as readonly PushRulesStreamRow[]).map((r) => r[0])),
        });
        return;
      case STREAM_NAMES.deviceLists:
        await this.notifier.wakeUsersAndRoomPeers(
          'device_list',
          (rows as readonly DeviceListsStreamRow[]).map((r) => r[0]),
        );
        return;
      case STREAM_NAMES.presence:
        await this.notifier.wakeUsersAndRoomPeers(
          'presence',
          (rows as readonly PresenceStreamRow[]).map((r) => r[0]),
        );
        return;
    }
  }
}

function roomEvents(
  rows: readonly EventsStreamRow[],
  writer: string,
  token: number,
): ReplicatedRoomEvent[] {
  const out: ReplicatedRoomEvent[] = [];
  for (const [type, data] of rows) {
    if (type !== EVENTS_ROW_TYPES.event) continue;
    const [, roomId, eventType, stateKey, , , membership, rejected, outlier] = data;
    // Rejected events and outliers are not in any timeline: nobody is woken for them.
    if (rejected || outlier) continue;
    out.push({ writer, pos: token, roomId, type: eventType, stateKey, membership });
  }
  return out;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
