/** A page of a stream's rows in `(from, uptoToken]`; `limited` means more rows follow. */
export interface StreamUpdates<Row> {
  updates: Array<[token: number, row: Row]>;
  uptoToken: number;
  limited: boolean;
}

/** How a stream is replicated (replication.md §11.5): its rows, positions and catch-up source. */
export interface ReplicationStream<Row> {
  /** Wire name, one of `STREAM_NAMES`. */
  readonly name: string;
  /** Where catch-up reads from: the database, or the writer over HTTP (in-memory streams). */
  readonly source: 'db' | 'writer-http';
  /** `[]` means any process writes it (caches). */
  writers(): readonly string[];
  /** Validates a row's positional tuple; throws on a malformed one. */
  parseRow(json: unknown): Row;
  encodeRow(row: Row): unknown[];
  currentToken(writer: string): number;
  minimalLocalCurrentToken(): number;
  /** True when a `POSITION` cannot tell us anything new; false for streams that can reset. */
  canDiscardPosition(writer: string, prev: number, next: number): boolean;
  getUpdatesSince(
    writer: string,
    from: number,
    to: number,
    limit: number,
  ): Promise<StreamUpdates<Row>>;
}

/** Rows per catch-up page and per streamer page. */
export const REPLICATION_PAGE_SIZE = 100;
