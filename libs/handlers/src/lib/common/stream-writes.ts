import { Inject, Injectable, Optional } from '@nestjs/common';

import { instanceName, type HomeserverConfig, type StreamWriterName } from '@chat/config';
import { HOMESERVER_CONFIG } from '@chat/platform';
import { instanceFor } from '@chat/streams';

import {
  STREAM_WRITE_OPS,
  parseStreamWriteResult,
  type StreamWriteBody,
  type StreamWriteName,
  type StreamWriteResult,
} from './stream-write-ops';

/** DI token for the stream writers of other processes (worker mode; absent in a monolith). */
export const REMOTE_STREAM_WRITERS = Symbol('REMOTE_STREAM_WRITERS');

/** Runs a write on a process that writes its stream (over HTTP replication). */
export interface RemoteStreamWriters {
  /** Resolves to the writer's answer, as it came. */
  write<Op extends StreamWriteName>(
    writer: string,
    op: Op,
    body: StreamWriteBody<Op>,
  ): Promise<unknown>;
}

type LocalWrite<Op extends StreamWriteName> = (
  body: StreamWriteBody<Op>,
) => Promise<StreamWriteResult<Op>>;
type AnyLocalWrite = (body: never) => Promise<unknown>;

/**
 * Where the writes of the streams other than events run (replication.md §6.6). Only a stream's
 * writers may allocate its ids (`stream_writers`, default main), so each service checks a request
 * where it arrives and hands the write itself here: it runs in this process when this process
 * writes the stream, and on a writer otherwise. Services declare what each write does (`serve`);
 * a writer runs the same code for writes forwarded to it (`runHere`).
 */
@Injectable()
export class StreamWrites {
  private readonly self: string;
  private readonly local = new Map<StreamWriteName, AnyLocalWrite>();

  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    @Optional()
    @Inject(REMOTE_STREAM_WRITERS)
    private readonly remote: RemoteStreamWriters | null,
  ) {
    this.self = instanceName(config);
  }

  /** Whether this process writes `stream` (is one of its writers, for multi-writer streams). */
  writesHere(stream: StreamWriterName): boolean {
    return this.config.streamWriters[stream].includes(this.self);
  }

  /** Declares what `op` does on a writer of its stream. Each write has one implementation. */
  serve<Op extends StreamWriteName>(op: Op, write: LocalWrite<Op>): void {
    if (this.local.has(op)) throw new Error(`stream write ${op} is served twice`);
    this.local.set(op, write as AnyLocalWrite);
  }

  /** Runs `op` where its stream is written; a writer's Matrix error comes back unchanged. */
  async write<Op extends StreamWriteName>(
    op: Op,
    body: StreamWriteBody<Op>,
  ): Promise<StreamWriteResult<Op>> {
    const writer = this.writerFor(op, body);
    if (writer === this.self) return this.runHere(op, body);
    if (!this.remote) {
      throw new Error(`${op} belongs to ${writer}, but this process has no replication`);
    }
    return parseStreamWriteResult(op, await this.remote.write(writer, op, body));
  }

  /** Runs `op` in this process: a local write, or one another process forwarded here. */
  async runHere<Op extends StreamWriteName>(
    op: Op,
    body: StreamWriteBody<Op>,
  ): Promise<StreamWriteResult<Op>> {
    const write = this.local.get(op) as LocalWrite<Op> | undefined;
    if (!write) throw new Error(`stream write ${op} has no implementation`);
    return write(body);
  }

  /**
   * This process when it writes the stream. Otherwise the stream's writer; on multi-writer streams
   * the one the write's key hashes to, as rooms pick their persister, so that writes with one key
   * (a room's receipts, a user's devices) are serialised in one process.
   */
  private writerFor<Op extends StreamWriteName>(op: Op, body: StreamWriteBody<Op>): string {
    const { stream, shardKey } = STREAM_WRITE_OPS[op] as {
      stream: StreamWriterName;
      shardKey?: string;
    };
    if (this.writesHere(stream)) return this.self;
    const key = shardKey ? String((body as Record<string, unknown>)[shardKey]) : stream;
    return instanceFor(key, this.config.streamWriters[stream]);
  }
}
