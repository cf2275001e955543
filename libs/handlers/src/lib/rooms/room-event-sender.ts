import { Inject, Injectable, Optional } from '@nestjs/common';

import { instanceName, type HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG } from '@chat/platform';
import type { RoomEvent, RoomVersion } from '@chat/protocol';
import { RoomEventWriter, type EventDraft, type WrittenEvent } from '@chat/stream-writers';
import { instanceFor } from '@chat/streams';

/** DI token for the topology check of worker mode (absent in a monolith). */
export const TOPOLOGY_GUARD = Symbol('TOPOLOGY_GUARD');

/** Refuses writes sharded over instances while the processes disagree on who owns what. */
export interface TopologyGuard {
  assertShardedWritesAllowed(): void;
}

/** DI token for the event persisters of other processes (worker mode; absent in a monolith). */
export const REMOTE_EVENT_PERSISTERS = Symbol('REMOTE_EVENT_PERSISTERS');

/** Sends drafts to the process that persists a room's events (over HTTP replication). */
export interface RemoteEventPersisters {
  send(persister: string, roomId: string, drafts: EventDraft[]): Promise<WrittenEvent[]>;
  writeNewRoom(
    persister: string,
    createEvent: RoomEvent,
    drafts: EventDraft[],
  ): Promise<WrittenEvent[]>;
}

/**
 * Where a room's events are written: each room belongs to exactly one events writer, chosen by
 * hashing its id over `stream_writers.events` (replication.md §2.13), so that its events are built
 * on one tip, in one process. Drafts for this process's rooms go to the local writer; the others
 * to their persister.
 */
@Injectable()
export class RoomEventSender {
  private readonly self: string;
  private readonly persisters: readonly string[];

  constructor(
    @Inject(HOMESERVER_CONFIG) config: HomeserverConfig,
    private readonly writer: RoomEventWriter,
    @Optional()
    @Inject(REMOTE_EVENT_PERSISTERS)
    private readonly remote: RemoteEventPersisters | null,
    @Optional()
    @Inject(TOPOLOGY_GUARD)
    private readonly topology: TopologyGuard | null,
  ) {
    this.self = instanceName(config);
    this.persisters = config.streamWriters.events;
  }

  /** Builds and writes `drafts` as one unit: all of them are written, or none. */
  send(roomId: string, drafts: EventDraft[]): Promise<WrittenEvent[]> {
    const persister = this.persisterOf(roomId);
    return persister === this.self
      ? this.writer.send(roomId, drafts)
      : this.remoteFor(persister).send(persister, roomId, drafts);
  }

  /** Creates a room: the create event is built here, the room's persister writes it. */
  async createRoom(
    version: RoomVersion,
    create: EventDraft,
    drafts: EventDraft[],
  ): Promise<{ roomId: string; events: WrittenEvent[] }> {
    const createEvent = this.writer.buildCreateEvent(version, create);
    const roomId = createEvent.roomId;
    const persister = this.persisterOf(roomId);
    const events =
      persister === this.self
        ? await this.writer.writeNewRoom(createEvent, drafts)
        : await this.remoteFor(persister).writeNewRoom(persister, createEvent, drafts);
    return { roomId, events };
  }

  private persisterOf(roomId: string): string {
    this.topology?.assertShardedWritesAllowed();
    return instanceFor(roomId, this.persisters);
  }

  private remoteFor(persister: string): RemoteEventPersisters {
    if (!this.remote) {
      throw new Error(`room events belong to ${persister}, but this process has no replication`);
    }
    return this.remote;
  }
}
