import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';

import { DeviceStore } from '@chat/storage';

import { Clock } from '../common/clock';

/** Synapse writes client IPs in batches too; a device's last-seen info is allowed to lag this much. */
const FLUSH_INTERVAL_MS = 5_000;

interface Sighting {
  userId: string;
  deviceId: string;
  ip: string;
  userAgent: string;
  ts: number;
}

/**
 * Remembers the latest IP and user agent per device and writes them in batches, so an
 * authenticated request never waits on a last-seen UPDATE.
 */
@Injectable()
export class ClientIpRecorder implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ClientIpRecorder.name);
  private pending = new Map<string, Sighting>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly devices: DeviceStore,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  record(userId: string, deviceId: string, ip: string, userAgent: string): void {
    this.pending.set(`${userId}\u0000${deviceId}`, {
      userId,
      deviceId,
      ip,
      userAgent,
      ts: this.clock.now(),
    });
  }

  async flush(): Promise<void> {
    const batch = [...this.pending.values()];
    this.pending = new Map();
    for (const s of batch) {
      try {
        await this.devices.recordLastSeen(s.userId, s.deviceId, s.ip, s.userAgent, s.ts);
      } catch (error) {
        this.logger.warn(
          `Could not record last seen for ${s.userId}/${s.deviceId}: ${String(error)}`,
        );
      }
    }
  }
}
