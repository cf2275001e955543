import {
  aboveMin,
  type InstanceIdLookup,
  type InstanceNameLookup,
  MultiWriterToken,
  parsePosition,
  parseWriterPositions,
} from './multi-writer-token';

/** Position in a multi-writer stream other than events (receipts, device lists, quarantined media). */
export class MultiWriterStreamToken extends MultiWriterToken<MultiWriterStreamToken> {
  static readonly ZERO = new MultiWriterStreamToken(0, new Map());

  /** From a generator's `currentToken()` and `positions()`: writers at or below `min` are dropped. */
  static fromPositions(
    min: number,
    positions: Iterable<readonly [string, number]> = [],
  ): MultiWriterStreamToken {
    return new MultiWriterStreamToken(min, aboveMin(min, positions));
  }

  /** `<n>` or `m<min>~<id>.<pos>…`. */
  static async parse(text: string, nameFor: InstanceNameLookup): Promise<MultiWriterStreamToken> {
    if (text.startsWith('m')) {
      const { min, writers } = await parseWriterPositions(text.slice(1), nameFor);
      return new MultiWriterStreamToken(min, writers);
    }
    return new MultiWriterStreamToken(parsePosition(text, 'stream position'), new Map());
  }

  serialize(idFor: InstanceIdLookup): Promise<string> {
    return this.serializePositions('', idFor);
  }

  protected withPositions(
    min: number,
    writers: ReadonlyMap<string, number>,
  ): MultiWriterStreamToken {
    return new MultiWriterStreamToken(min, writers);
  }
}
