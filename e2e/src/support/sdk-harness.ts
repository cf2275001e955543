import {
  type FetchFn,
  type OpenApiValidator,
  type SpecViolation,
  validatingFetch,
} from '@chat/testing';
import { createClient, type ICreateClientOpts, type MatrixClient } from 'matrix-js-sdk';
import type { Logger } from 'matrix-js-sdk/lib/logger';

/** `/_matrix` is what an unmodified client uses; `/chat` is our canonical prefix. */
export type ApiPrefix = '/_matrix' | '/chat';

/** The SDK logs every request at debug level; the tests' output keeps only its warnings. */
const quietLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (...msg: unknown[]) => console.warn(...msg),
  error: (...msg: unknown[]) => {
    // Logged for every 401 M_UNKNOWN_TOKEN, which the tests provoke on purpose.
    if (!String(msg[0]).startsWith('Unable to refresh token')) console.error(...msg);
  },
  getChild: () => quietLogger,
};

/**
 * Makes matrix-js-sdk clients whose every request goes through one fetch chain:
 * prefix rewrite (the SDK hard-codes `/_matrix`) -> spec validation -> a recorder of the paths
 * that reached the server -> the real fetch.
 */
export class SdkHarness {
  readonly violations: SpecViolation[] = [];
  /** Paths as sent to the server, after any rewrite. */
  readonly sentPaths: string[] = [];
  rewrittenRequests = 0;
  private readonly clients: MatrixClient[] = [];
  private readonly fetchFn: FetchFn;

  constructor(
    private readonly baseUrl: string,
    private readonly prefix: ApiPrefix,
    validator: OpenApiValidator,
  ) {
    const recording: FetchFn = (input, init) => {
      this.sentPaths.push(new URL(input instanceof Request ? input.url : input).pathname);
      return fetch(input, init);
    };
    const validating = validatingFetch(recording, validator, (v) => this.violations.push(v));
    this.fetchFn = (input, init) => validating(this.rewrite(input), init);
  }

  client(opts: Omit<ICreateClientOpts, 'baseUrl' | 'fetchFn'> = {}): MatrixClient {
    const client = createClient({
      logger: quietLogger,
      ...opts,
      baseUrl: this.baseUrl,
      fetchFn: this.fetchFn,
    });
    this.clients.push(client);
    return client;
  }

  /** Stops every client's sync loop and releases the SDK's timers. */
  stopAll(): void {
    for (const client of this.clients) client.stopClient();
  }

  private rewrite(input: Parameters<FetchFn>[0]): Parameters<FetchFn>[0] {
    if (this.prefix === '/_matrix') return input;
    const url = new URL(input instanceof Request ? input.url : input);
    if (!url.pathname.startsWith('/_matrix/')) return input;
    url.pathname = '/chat/' + url.pathname.slice('/_matrix/'.length);
    this.rewrittenRequests++;
    return input instanceof Request ? new Request(url, input) : url;
  }
}
