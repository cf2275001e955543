import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';

import {
  STREAM_WRITE_NAMES,
  STREAM_WRITE_OPS,
  StreamWrites,
  parseStreamWrite,
  type RemoteStreamWriters,
  type StreamWriteBody,
  type StreamWriteName,
} from '@chat/handlers';
import {
  ReplicationClient,
  ReplicationEndpointRegistry,
  replicationEndpoint,
  type JsonObject,
  type ReplicationEndpointSpec,
} from '@chat/replication';

type StreamWriteEndpoint = ReplicationEndpointSpec<never, JsonObject, Record<string, never>>;

/**
 * One replication endpoint per stream write (`typing_set`, `add_tag`, `presence_set_state`, …),
 * served by the writers of the write's stream. Not response-cached (replication.md §6.5): running
 * one of these twice leaves the same state, and to-device sends carry their own transaction id.
 */
export const STREAM_WRITE_ENDPOINTS = Object.fromEntries(
  STREAM_WRITE_NAMES.map((name) => [
    name,
    replicationEndpoint<never, JsonObject, Record<string, never>>({
      name,
      onlyOn: `writer:${STREAM_WRITE_OPS[name].stream}`,
      cacheable: false,
    }),
  ]),
) as Record<StreamWriteName, StreamWriteEndpoint>;

/** The writer's side: each endpoint runs its write with this process's handlers. */
@Injectable()
export class StreamWriteEndpoints implements OnModuleInit {
  constructor(
    private readonly registry: ReplicationEndpointRegistry,
    private readonly writes: StreamWrites,
  ) {}

  onModuleInit(): void {
    for (const name of STREAM_WRITE_NAMES) {
      this.registry.add(STREAM_WRITE_ENDPOINTS[name], async (_args, body) => {
        await this.writes.runHere(name, parseStreamWrite(name, body));
        return { body: {} };
      });
    }
  }
}

/**
 * The other side: a process that does not write a stream sends its writes to a writer. The client
 * is looked up at the first call: it rests on this process's streams, and through the replication
 * applier those rest on the very handlers that use this class.
 */
@Injectable()
export class HttpStreamWriters implements RemoteStreamWriters {
  private client?: ReplicationClient;

  constructor(private readonly modules: ModuleRef) {}

  async write<Op extends StreamWriteName>(
    writer: string,
    op: Op,
    body: StreamWriteBody<Op>,
  ): Promise<void> {
    this.client ??= this.modules.get(ReplicationClient, { strict: false });
    await this.client.call(writer, STREAM_WRITE_ENDPOINTS[op], {}, body as JsonObject);
  }
}
