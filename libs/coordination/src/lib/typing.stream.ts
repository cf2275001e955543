import type { TypingRow, TypingService } from '@chat/handlers';
import { parseUserId } from '@chat/protocol';
import {
  rowFields as f,
  tupleCodec,
  writerHttpSource,
  type ReplicationClient,
  type ReplicationStream,
  type RowField,
  type StreamUpdates,
} from '@chat/replication';
import { STREAM_NAMES } from '@chat/streams';

const userIds: RowField<readonly string[]> = {
  expected: 'a list of user ids',
  accepts: (v): v is readonly string[] =>
    Array.isArray(v) && v.every((id) => parseUserId(id) !== null),
};

/** `[room_id, [user ids now typing]]` (replication.md §4.1): the room's whole list, each time. */
const TYPING_ROW = tupleCodec(STREAM_NAMES.typing, [f.roomId, userIds] as const);

/**
 * The `typing` stream over the handlers' TypingService. Typing lives in its writer's memory only,
 * so other processes catch up by asking the writer (`get_repl_stream_updates`), and the writer's
 * position starts again from 0 when it restarts.
 */
export class TypingReplicationStream implements ReplicationStream<TypingRow> {
  readonly name = STREAM_NAMES.typing;
  readonly source = 'writer-http' as const;

  constructor(
    private readonly typing: TypingService,
    private readonly typingWriters: readonly string[],
    private readonly instanceName: string,
    /** Late: the replication client is built on top of the streams. */
    private readonly client: () => ReplicationClient,
  ) {}

  writers(): readonly string[] {
    return this.typingWriters;
  }

  parseRow(json: unknown): TypingRow {
    return TYPING_ROW.parse(json);
  }

  encodeRow(row: TypingRow): unknown[] {
    return TYPING_ROW.encode(row);
  }

  /** One writer: on it, its position; elsewhere, the last of its tokens applied. */
  currentToken(): number {
    return this.typing.writerPosition();
  }

  minimalLocalCurrentToken(): number {
    return this.typing.writerPosition();
  }

  /** A restarted writer's position is below the one we have, and must still be heard (§3.5). */
  canDiscardPosition(): boolean {
    return false;
  }

  async getUpdatesSince(
    writer: string,
    from: number,
    to: number,
    limit: number,
  ): Promise<StreamUpdates<TypingRow>> {
    if (writer !== this.instanceName) {
      return writerHttpSource(this.client(), this).getUpdatesSince(writer, from, to, limit);
    }
    const { changes, limited } = this.typing.changesSince(from, to, limit);
    return {
      updates: changes.map((c): [number, TypingRow] => [c.position, [c.roomId, c.userIds]]),
      uptoToken: limited ? changes[changes.length - 1].position : to,
      limited,
    };
  }

  /** Calls `listener` after each local change: the writer's streamer publishes it. */
  onLocalProgress(listener: () => void): () => void {
    return this.typing.onChange(() => listener());
  }
}
