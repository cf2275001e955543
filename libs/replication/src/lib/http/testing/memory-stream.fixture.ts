import type { ReplicationStream, StreamUpdates } from '../../core/replication-stream';

export type MemoryRow = readonly [label: string];

/**
 * A typing-like stream (`source: 'writer-http'`): its rows live only in the writer's memory, so
 * other processes catch up by asking the writer over HTTP through `remote`.
 */
export class MemoryStream implements ReplicationStream<MemoryRow> {
  readonly source = 'writer-http' as const;
  /** Set once the process's `ReplicationClient` exists. */
  remote?: Pick<ReplicationStream<MemoryRow>, 'getUpdatesSince'>;
  private readonly rows: Array<[number, MemoryRow]> = [];
  private readonly seen = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly writer: string,
    private readonly instanceName: string,
  ) {}

  writers(): readonly string[] {
    return [this.writer];
  }

  parseRow(json: unknown): MemoryRow {
    if (!Array.isArray(json) || json.length !== 1 || typeof json[0] !== 'string') {
      throw new Error(`malformed ${this.name} row: ${JSON.stringify(json)}`);
    }
    return [json[0]];
  }

  encodeRow(row: MemoryRow): unknown[] {
    return [...row];
  }

  currentToken(writer: string): number {
    return writer === this.instanceName ? this.latest() : (this.seen.get(writer) ?? 0);
  }

  minimalLocalCurrentToken(): number {
    return this.latest();
  }

  canDiscardPosition(): boolean {
    return false;
  }

  async getUpdatesSince(
    writer: string,
    from: number,
    to: number,
    limit: number,
  ): Promise<StreamUpdates<MemoryRow>> {
    if (writer !== this.instanceName) {
      if (!this.remote) throw new Error(`${this.name} has no way to reach ${writer}`);
      return this.remote.getUpdatesSince(writer, from, to, limit);
    }
    const rows = this.rows.filter(([token]) => from < token && token <= to);
    return rows.length <= limit
      ? { updates: rows, uptoToken: to, limited: false }
      : { updates: rows.slice(0, limit), uptoToken: rows[limit - 1][0], limited: true };
  }

  /** The writer's side: one row per new token. */
  write(label: string): number {
    const token = this.latest() + 1;
    this.rows.push([token, [label]]);
    return token;
  }

  /** A receiver's "advance position" step. */
  advance(writer: string, token: number): void {
    this.seen.set(writer, token);
  }

  private latest(): number {
    return this.rows.at(-1)?.[0] ?? 0;
  }
}
