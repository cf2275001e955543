import {
  aboveMin,
  type InstanceIdLookup,
  type InstanceNameLookup,
  MultiWriterToken,
  parsePosition,
  parseWriterPositions,
} from './multi-writer-token';
import { TokenError } from './token-error';

/**
 * Position in the room event stream (replication.md §5.5). Live tokens are `s<n>`, or
 * `m<min>~<id>.<pos>…` when some persister is ahead; historic tokens `t<topological>-<stream>`
 * (depth, tie-broken by stream ordering) are for pagination and never carry a writer map.
 */
export class RoomStreamToken extends MultiWriterToken<RoomStreamToken> {
  static readonly ZERO = new RoomStreamToken(0, new Map(), null);

  private constructor(
    min: number,
    writers: ReadonlyMap<string, number>,
    /** Event depth for historic tokens; null for live ones. */
    readonly topological: number | null,
  ) {
    super(min, writers);
    if (topological !== null && writers.size > 0) {
      throw new TokenError('a room token cannot have both a topological part and writer positions');
    }
  }

  static fromPositions(
    min: number,
    positions: Iterable<readonly [string, number]> = [],
  ): RoomStreamToken {
    return new RoomStreamToken(min, aboveMin(min, positions), null);
  }

  /** `stream` may be negative: backfilled events sort before every live one. */
  static historic(topological: number, stream: number): RoomStreamToken {
    return new RoomStreamToken(stream, new Map(), topological);
  }

  static async parse(text: string, nameFor: InstanceNameLookup): Promise<RoomStreamToken> {
    switch (text[0]) {
      case 's':
        return RoomStreamToken.fromPositions(parsePosition(text.slice(1), 'stream position'));
      case 't': {
        const match = /^t(\d+)-(-?\d+)$/.exec(text);
        if (!match) throw new TokenError(`invalid historic room token ${JSON.stringify(text)}`);
        const stream = match[2].startsWith('-')
          ? -parsePosition(match[2].slice(1), 'stream position')
          : parsePosition(match[2], 'stream position');
        return RoomStreamToken.historic(parsePosition(match[1], 'topological position'), stream);
      }
      case 'm': {
        const { min, writers } = await parseWriterPositions(text.slice(1), nameFor);
        return new RoomStreamToken(min, writers, null);
      }
      default:
        throw new TokenError(`invalid room token ${JSON.stringify(text)}`);
    }
  }

  get isHistoric(): boolean {
    return this.topological !== null;
  }

  serialize(idFor: InstanceIdLookup): Promise<string> {
    if (this.topological !== null) return Promise.resolve(`t${this.topological}-${this.min}`);
    return this.serializePositions('s', idFor);
  }

  override copyAndAdvance(other: RoomStreamToken): RoomStreamToken {
    // Depth and stream order are different axes: a maximum of the two means nothing.
    if (this.isHistoric || other.isHistoric) {
      throw new Error('cannot advance a historic room token');
    }
    return super.copyAndAdvance(other);
  }

  protected withPositions(min: number, writers: ReadonlyMap<string, number>): RoomStreamToken {
    return new RoomStreamToken(min, writers, this.topological);
  }
}
