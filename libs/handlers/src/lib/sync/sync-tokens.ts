import { Inject, Injectable } from '@nestjs/common';

import { instanceName, type HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG } from '@chat/platform';
import { STORAGE, type Storage, type Txn } from '@chat/storage';
import {
  MultiWriterStreamToken,
  RoomStreamToken,
  STREAM_NAMES,
  StreamToken,
  type IntStreamKey,
  type StreamKey,
  type MultiWriterIdGenerator,
  type StreamName,
} from '@chat/streams';

import { TypingService } from '../rooms/typing.service';

/** Integer token parts that come from a database stream, and the stream behind each. */
/** The database stream behind each token part this process writes. */
const STREAM_OF: Partial<Record<StreamKey, StreamName>> = {
  room: STREAM_NAMES.events,
  receipt: STREAM_NAMES.receipts,
  device_list: STREAM_NAMES.deviceLists,
  presence: STREAM_NAMES.presence,
  account_data: STREAM_NAMES.accountData,
  push_rules: STREAM_NAMES.pushRules,
  to_device: STREAM_NAMES.toDevice,
};

const INT_STREAMS: ReadonlyArray<readonly [IntStreamKey, StreamName]> = [
  ['presence', STREAM_NAMES.presence],
  ['account_data', STREAM_NAMES.accountData],
  ['push_rules', STREAM_NAMES.pushRules],
  ['to_device', STREAM_NAMES.toDevice],
];

/**
 * The composite `/sync` token of this process (replication.md §5.5): where every stream is
 * persisted up to, per writer for multi-writer streams, and the text form clients hold.
 */
@Injectable()
export class SyncTokens {
  private readonly instanceName: string;

  constructor(
    @Inject(STORAGE) private readonly storage: Storage,
    @Inject(HOMESERVER_CONFIG) config: HomeserverConfig,
    private readonly typing: TypingService,
  ) {
    this.instanceName = instanceName(config);
  }

  /**
   * Whether this process's current token covers a row it wrote at `position` in the stream behind
   * `key`. A commit does not always move the token: an earlier id still in flight holds it back.
   */
  covers(key: StreamKey, position: number): boolean {
    const part = this.currentToken().get(key);
    return typeof part === 'number' ? part >= position : part.covers(this.instanceName, position);
  }

  /** Calls `listener` whenever this process's position in the stream behind `key` may move. */
  onProgress(key: StreamKey, listener: () => void): () => void {
    const stream = STREAM_OF[key];
    if (!stream) throw new Error(`no database stream behind token part ${key}`);
    return this.storage.idGenerators.get(stream).onLocalProgress(listener);
  }

  currentToken(): StreamToken {
    const ids = this.storage.idGenerators;
    const room = ids.get(STREAM_NAMES.events);
    let token = StreamToken.of({
      room: RoomStreamToken.fromPositions(room.currentToken(), room.positions()),
      typing: this.typing.currentPosition(),
      receipt: multiWriter(ids.get(STREAM_NAMES.receipts)),
      device_list: multiWriter(ids.get(STREAM_NAMES.deviceLists)),
    });
    for (const [key, stream] of INT_STREAMS)
      token = token.with(key, ids.get(stream).currentToken());
    return token;
  }

  /** 400 M_INVALID_PARAM (a TokenError) for anything malformed. */
  parse(text: string): Promise<StreamToken> {
    return StreamToken.parse(text, (id) => this.storage.instanceIds.nameFor(id));
  }

  serialize(token: StreamToken): Promise<string> {
    return token.serialize((name) => this.storage.instanceIds.idFor(name));
  }
}

function multiWriter(generator: MultiWriterIdGenerator<Txn>): MultiWriterStreamToken {
  return MultiWriterStreamToken.fromPositions(generator.currentToken(), generator.positions());
}
