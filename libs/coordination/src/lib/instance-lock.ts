import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';

import type { DatabaseConfig } from '@chat/config';
import { StartRefusedError } from '@chat/platform';
import { SessionLock, type InstanceIdStore } from '@chat/storage';

/** Arbitrary: the first half of every instance lock's key; the instance's id is the second. */
const INSTANCE_LOCKS = 0x63686174;
/** How long a process that lost its lock waits between attempts to take it again. */
const RETAKE_INTERVAL_MS = 5_000;

/**
 * One process per instance name (`worker_name`, or main) on a database. Two processes under one
 * name would hand out the same stream ids and answer for each other on the bus, so the second
 * refuses to start: each process takes a PostgreSQL advisory lock keyed by its instance id before
 * it joins the bus or serves a request, and holds it until it exits. replication.md §7.5 keeps
 * *work* locks in a table because pooled sessions cannot hold advisory locks; this one is the
 * process's identity, held by a session of its own that ends with the process, so the name of a
 * SIGKILLed process is free again at once (a table row would wait to turn stale).
 */
export class InstanceLock implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(InstanceLock.name);
  private held?: SessionLock;
  private retaking?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly database: DatabaseConfig,
    private readonly instanceName: string,
    private readonly instanceIds: InstanceIdStore,
    private readonly retakeIntervalMs = RETAKE_INTERVAL_MS,
  ) {}

  /** As the operator knows the process: by its `worker_name`, or as main. */
  private get runsAs(): string {
    return this.instanceName === 'main' ? 'main' : `worker_name "${this.instanceName}"`;
  }

  async onModuleInit(): Promise<void> {
    this.held = await this.take();
    if (!this.held) {
      throw new StartRefusedError(`another process already runs as ${this.runsAs} (same database)`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retaking);
    await this.held?.release();
  }

  private async take(): Promise<SessionLock | undefined> {
    const id = await this.instanceIds.idFor(this.instanceName);
    return SessionLock.tryTake(this.database, INSTANCE_LOCKS, id, (reason) => this.lost(reason));
  }

  /** The session ended under us (the database restarted, the connection dropped). */
  private lost(reason: Error): void {
    this.held = undefined;
    if (this.stopped) return;
    this.logger.error(
      `lost the database session that keeps other processes from running as ${this.runsAs} ` +
        `(${reason.message}); taking it again`,
    );
    this.retakeLater();
  }

  private retakeLater(): void {
    this.retaking = setTimeout(() => void this.retake(), this.retakeIntervalMs);
  }

  private async retake(): Promise<void> {
    let lock: SessionLock | undefined;
    try {
      lock = await this.take();
    } catch (error) {
      // The database is not answering yet.
      this.logger.warn(`taking the lock on running as ${this.runsAs} failed: ${String(error)}`);
      if (!this.stopped) this.retakeLater();
      return;
    }
    if (this.stopped) {
      await lock?.release();
    } else if (lock) {
      this.held = lock;
      this.logger.log(`holds the lock on running as ${this.runsAs} again`);
    } else {
      this.logger.error(
        `another process now runs as ${this.runsAs} (same database): stop one of them`,
      );
    }
  }
}
