import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { PresenceService, StreamWrites } from '@chat/handlers';
import { HOMESERVER_CONFIG } from '@chat/platform';
import { COMMAND_NAMES } from '@chat/replication';

import { ReplicationProcess } from './replication-process';

/**
 * Who is syncing, across processes (replication.md §7.3), the Synapse way. A process that does
 * not write presence says on the bus which users start syncing through it and which stopped
 * (`USER_SYNC`, under its per-boot id), says it is gone when it shuts down (`CLEAR_USER_SYNC`),
 * and says again who is syncing whenever that may have been lost (it reconnected, or another
 * process, perhaps a restarted presence writer, joined). The presence writer hands all of it to
 * its PresenceService, which alone decides who timed out.
 */
@Injectable()
export class UserSyncRelay implements OnModuleInit, OnModuleDestroy {
  private readonly stop: Array<() => void> = [];
  private reporting = false;

  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly process: ReplicationProcess,
    private readonly presence: PresenceService,
    private readonly writes: StreamWrites,
  ) {}

  onModuleInit(): void {
    if (!this.config.usePresence) return;
    if (this.writes.writesHere('presence')) {
      this.process.onCommand(COMMAND_NAMES.USER_SYNC, (cmd) =>
        this.presence.remoteSyncChanged(
          cmd.instanceId,
          cmd.userId,
          cmd.state === 'start',
          cmd.lastSyncMs,
        ),
      );
      this.process.onCommand(COMMAND_NAMES.CLEAR_USER_SYNC, (cmd) =>
        this.presence.syncSourceGone(cmd.instanceId),
      );
      return;
    }
    this.reporting = true;
    this.stop.push(
      this.presence.onSyncingChange((userId, syncing, atMs) => this.send(userId, syncing, atMs)),
      this.process.onResync(() => {
        const now = Date.now();
        for (const userId of this.presence.syncingUsers()) this.send(userId, true, now);
      }),
    );
  }

  onModuleDestroy(): void {
    for (const stop of this.stop) stop();
    if (this.reporting) {
      this.process.bus.send({
        name: COMMAND_NAMES.CLEAR_USER_SYNC,
        instanceId: this.process.topology.instanceId,
      });
    }
  }

  private send(userId: string, syncing: boolean, atMs: number): void {
    this.process.bus.send({
      name: COMMAND_NAMES.USER_SYNC,
      instanceId: this.process.topology.instanceId,
      userId,
      // Presence here is per user, not per device.
      deviceId: null,
      state: syncing ? 'start' : 'end',
      lastSyncMs: atMs,
    });
  }
}
