import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';

import { DeviceStore } from '@chat/storage';

import { Clock } from '../common/clock';

/** Synapse writes client IPs in batches too; a device's last-seen info is allowed to lag this much. */
const FLUSH_INTERVAL_MS = 5_000;

/** An authenticated request: who made it, with which access token, from where. */
export interface ClientIpSighting {
  userId: string;
  deviceId: string;
  /** The access token's id, never the token itself. */
  tokenId: string;
  ip: string;
  userAgent: string;
  ts: number;
}

/** DI token for where this process's sightings go, when not to its own database. */
export const CLIENT_IP_SINK = Symbol('CLIENT_IP_SINK');

/** Where the recorder hands its batches. */
export interface ClientIpSink {
  /** `database` writes last-seen rows here; `bus` sends the sightings to the process that does. */
  readonly kind: 'database' | 'bus';
  /** A sighting like one passed on less than this long ago is dropped: same user, token, IP, user agent and device. */
  readonly repeatAfterMs: number;
  save(sightings: readonly ClientIpSighting[]): Promise<void>;
}

/** Writes last-seen info to the devices: a monolith's sink, and the background-tasks instance's. */
class DatabaseClientIpSink implements ClientIpSink {
  readonly kind = 'database';
  // Every batch carries each device's latest sighting, already at most one per device.
  readonly repeatAfterMs = 0;
  private readonly logger = new Logger(ClientIpRecorder.name);

  constructor(private readonly devices: DeviceStore) {}

  async save(sightings: readonly ClientIpSighting[]): Promise<void> {
    for (const s of sightings) {
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

/**
 * Remembers the latest IP and user agent per device and hands them on in batches, so an
 * authenticated request never waits on a last-seen UPDATE. The sink says where: this process's
 * database (a monolith, and worker mode's background-tasks instance, the only writer of last-seen
 * info there) or the replication bus (`USER_IP`, every other process), which also has repeats
 * dropped, as Synapse does, so that a busy client costs the bus a command every few minutes
 * rather than one per request.
 */
@Injectable()
export class ClientIpRecorder implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ClientIpRecorder.name);
  private readonly sink: ClientIpSink;
  private pending = new Map<string, ClientIpSighting>();
  /** When each (user, token, ip, user agent, device) was last passed on, within `repeatAfterMs`. */
  private readonly passedOn = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    devices: DeviceStore,
    private readonly clock: Clock,
    @Optional() @Inject(CLIENT_IP_SINK) sink: ClientIpSink | null,
  ) {
    this.sink = sink ?? new DatabaseClientIpSink(devices);
  }

  get sinkKind(): ClientIpSink['kind'] {
    return this.sink.kind;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.flush().catch((err: unknown) => this.logger.warn(`client IPs: ${String(err)}`));
    }, FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /** Notes a sighting; `ts` defaults to now (another process's sightings carry their own). */
  record(sighting: Omit<ClientIpSighting, 'ts'> & { ts?: number }): void {
    const ts = sighting.ts ?? this.clock.now();
    const { repeatAfterMs } = this.sink;
    if (repeatAfterMs > 0) {
      const key = JSON.stringify([
        sighting.userId,
        sighting.tokenId,
        sighting.ip,
        sighting.userAgent,
        sighting.deviceId,
      ]);
      const last = this.passedOn.get(key);
      if (last !== undefined && ts - last < repeatAfterMs) return;
      this.passedOn.set(key, ts);
    }
    this.pending.set(`${sighting.userId}\u0000${sighting.deviceId}`, { ...sighting, ts });
  }

  async flush(): Promise<void> {
    const now = this.clock.now();
    for (const [key, ts] of this.passedOn) {
      if (now - ts >= this.sink.repeatAfterMs) this.passedOn.delete(key);
    }
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    await this.sink.save(batch);
  }
}
