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

type StreamWriteEndpoint = ReplicationEndpointSpec<never, JsonObject, JsonObject>;

/**
 * One replication endpoint per stream write (`typing_set`, `add_tag`, `device_login`, …), served
 * by the writers of the write's stream. Writes that answer nothing are not response-cached
 * (replication.md §6.5): running one of these twice leaves the same state, and to-device sends
 * carry their own transaction id. A write that answers with what it made (`device_login`'s access
 * token) is: a retried call gets the first answer instead of making a second one.
 */
export const STREAM_WRITE_ENDPOINTS = Object.fromEntries(
  STREAM_WRITE_NAMES.map((name) => [
    name,
    replicationEndpoint<never, JsonObject, JsonObject>({
      name,
      onlyOn: `writer:${STREAM_WRITE_OPS[name].stream}`,
      cacheable: STREAM_WRITE_OPS[name].result !== undefined,
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
        const result = await this.writes.runHere(name, parseStreamWrite(name, body));
        return { body: result ?? {} };
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
  ): Promise<unknown> {
    this.client ??= this.modules.get(ReplicationClient, { strict: false });
    return this.client.call(writer, STREAM_WRITE_ENDPOINTS[op], {}, body as JsonObject);
  }
}
