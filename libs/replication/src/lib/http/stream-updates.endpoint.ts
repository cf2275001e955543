import { Inject, Injectable } from '@nestjs/common';
import { MatrixError } from '@chat/protocol';
import {
  REPLICATION_PAGE_SIZE,
  type ReplicationStream,
  type StreamUpdates,
} from '../core/replication-stream';
import { StreamRegistry } from '../core/stream-registry';
import { replicationEndpoint, type ReplicationReply } from './replication-endpoint';
import { ServesReplicationEndpoint } from './replication-endpoint.decorator';
import {
  REPLICATION_HTTP_SETTINGS,
  type ReplicationHttpSettings,
} from './replication-http.settings';
import type { ReplicationClient } from './replication.client';
import { isObject } from './stream-positions';

export interface StreamUpdatesQuery {
  from_token: string;
  upto_token: string;
}

export interface StreamUpdatesReply {
  /** `[token, encoded row]`, rows of one token together and in order. */
  updates: Array<[number, unknown[]]>;
  upto_token: number;
  limited: boolean;
}

/**
 * Catch-up for streams held only in their writer's memory (typing): a receiver that missed rows
 * asks the writer for them (§6.5). No position waits: it is itself how a receiver catches up.
 */
export const GET_REPL_STREAM_UPDATES = replicationEndpoint<
  'stream_name',
  StreamUpdatesQuery,
  StreamUpdatesReply
>({
  name: 'get_repl_stream_updates',
  pathArgs: ['stream_name'],
  method: 'GET',
  cacheable: false,
  waitForStreams: false,
  onlyOn: 'any',
});

/** Serves `get_repl_stream_updates` for the in-memory streams this instance writes. */
@Injectable()
export class StreamUpdatesEndpoint {
  constructor(
    private readonly registry: StreamRegistry,
    @Inject(REPLICATION_HTTP_SETTINGS) private readonly settings: ReplicationHttpSettings,
  ) {}

  @ServesReplicationEndpoint(GET_REPL_STREAM_UPDATES)
  async updates(
    { stream_name: name }: Readonly<Record<'stream_name', string>>,
    query: StreamUpdatesQuery,
  ): Promise<ReplicationReply<StreamUpdatesReply>> {
    const me = this.settings.instanceName;
    const stream = this.registry.get(name);
    const writers = stream?.writers();
    if (!stream || stream.source !== 'writer-http' || !writers?.includes(me)) {
      throw MatrixError.invalidParam(`${name} is not an in-memory stream ${me} writes`);
    }
    const page = await stream.getUpdatesSince(
      me,
      token(query, 'from_token'),
      token(query, 'upto_token'),
      REPLICATION_PAGE_SIZE,
    );
    return {
      body: {
        updates: page.updates.map(([at, row]) => [at, stream.encodeRow(row)]),
        upto_token: page.uptoToken,
        limited: page.limited,
      },
    };
  }
}

function token(query: StreamUpdatesQuery, key: keyof StreamUpdatesQuery): number {
  const value: unknown = query[key];
  if (value === undefined) throw MatrixError.missingParam(`Missing ${key}`);
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) {
    throw MatrixError.invalidParam(`${key} must be a non-negative integer`);
  }
  return Number(value);
}

/**
 * The receiving side: a `getUpdatesSince` that asks the stream's writer, for a `writer-http`
 * stream to use for writers other than itself. The writer pages at `REPLICATION_PAGE_SIZE`, the
 * size catch-up asks for, so `limit` is not sent.
 */
export function writerHttpSource<Row>(
  client: ReplicationClient,
  stream: Pick<ReplicationStream<Row>, 'name' | 'parseRow'>,
): Pick<ReplicationStream<Row>, 'getUpdatesSince'> {
  return {
    async getUpdatesSince(writer, from, to): Promise<StreamUpdates<Row>> {
      const reply: unknown = await client.call(
        writer,
        GET_REPL_STREAM_UPDATES,
        { stream_name: stream.name },
        { from_token: String(from), upto_token: String(to) },
      );
      if (!isStreamUpdatesReply(reply)) {
        throw new Error(`${writer} sent malformed ${stream.name} updates`);
      }
      return {
        updates: reply.updates.map(([at, row]) => [at, stream.parseRow(row)]),
        uptoToken: reply.upto_token,
        limited: reply.limited,
      };
    },
  };
}

function isStreamUpdatesReply(value: unknown): value is StreamUpdatesReply {
  return (
    isObject(value) &&
    Number.isSafeInteger(value['upto_token']) &&
    typeof value['limited'] === 'boolean' &&
    Array.isArray(value['updates']) &&
    value['updates'].every(
      (update: unknown) =>
        Array.isArray(update) &&
        update.length === 2 &&
        Number.isSafeInteger(update[0]) &&
        Array.isArray(update[1]),
    )
  );
}
