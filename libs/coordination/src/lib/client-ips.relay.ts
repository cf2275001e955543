import { Injectable, type OnModuleInit } from '@nestjs/common';

import {
  BackgroundTasks,
  ClientIpRecorder,
  type ClientIpSighting,
  type ClientIpSink,
} from '@chat/handlers';
import { COMMAND_NAMES, type ReplicationBus } from '@chat/replication';

import { ReplicationProcess } from './replication-process';

/** A client seen again from the same place is reported at most this often (§7.7, Synapse's). */
export const USER_IP_REPEAT_MS = 2 * 60_000;

/**
 * Client IPs in worker mode (replication.md §7.7): only the background-tasks instance writes
 * last-seen info. Every other process reports its sightings as `USER_IP`, which the transport
 * publishes on the `<channel>/USER_IP` channel that only that instance subscribes to.
 */
export class BusClientIpSink implements ClientIpSink {
  readonly kind = 'bus';
  readonly repeatAfterMs = USER_IP_REPEAT_MS;

  constructor(private readonly bus: ReplicationBus) {}

  async save(sightings: readonly ClientIpSighting[]): Promise<void> {
    for (const s of sightings) {
      this.bus.send({
        name: COMMAND_NAMES.USER_IP,
        userId: s.userId,
        // Our tokens are secrets stored only as hashes; their id is enough to tell them apart.
        accessToken: s.tokenId,
        ip: s.ip,
        userAgent: s.userAgent,
        deviceId: s.deviceId,
        lastSeen: s.ts,
      });
    }
  }
}

/** On the background-tasks instance: other processes' `USER_IP` goes into its recorder's batches. */
@Injectable()
export class ClientIpRelay implements OnModuleInit {
  constructor(
    private readonly process: ReplicationProcess,
    private readonly recorder: ClientIpRecorder,
    private readonly tasks: BackgroundTasks,
  ) {}

  onModuleInit(): void {
    if (!this.tasks.runsHere) return;
    this.process.onCommand(COMMAND_NAMES.USER_IP, (cmd) => {
      // Every access token of ours belongs to a device.
      if (cmd.deviceId === null) return;
      this.recorder.record({
        userId: cmd.userId,
        deviceId: cmd.deviceId,
        tokenId: cmd.accessToken,
        ip: cmd.ip,
        userAgent: cmd.userAgent,
        ts: cmd.lastSeen,
      });
    });
  }
}
