import { Inject, Injectable } from '@nestjs/common';

import { STORAGE, type Storage, type Txn } from '@chat/storage';
import {
  MultiWriterStreamToken,
  RoomStreamToken,
  STREAM_NAMES,
  StreamToken,
  type IntStreamKey,
  type MultiWriterIdGenerator,
  type StreamName,
} from '@chat/streams';

import { TypingService } from '../rooms/typing.service';

/** Integer token parts that come from a database stream, and the stream behind each. */
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
  constructor(
    @Inject(STORAGE) private readonly storage: Storage,
    private readonly typing: TypingService,
  ) {}

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
