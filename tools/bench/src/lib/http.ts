import { ABORTED, RequestError, redact } from './errors';

export interface RequestOptions {
  /** Access token, sent as `Authorization: Bearer`; never part of the URL or of an error text. */
  token?: string;
  body?: unknown;
  query?: Record<string, string | undefined>;
  /** Overrides the client's per-request timeout (long polls add their own timeout to it). */
  timeoutMs?: number;
  /** Ends this request early (e.g. a poller being stopped); reported as ABORTED. */
  signal?: AbortSignal;
}

export interface HttpResult<T> {
  json: T;
  /** Size of the body as received (after any content decoding). */
  bytes: number;
}

const ERROR_TEXT_LIMIT = 200;

interface MatrixErrorBody {
  errcode?: unknown;
  error?: unknown;
  retry_after_ms?: unknown;
}

/**
 * JSON over Node's fetch (undici): keep-alive, and no per-origin connection cap, so C long polls
 * each hold their own connection. Every request has a timeout and ends when the run aborts.
 */
export class HttpClient {
  constructor(
    readonly baseUrl: string,
    private readonly defaults: { timeoutMs: number; signal: AbortSignal },
  ) {}

  async request<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<HttpResult<T>> {
    const timeoutMs = options.timeoutMs ?? this.defaults.timeoutMs;
    const stops = [this.defaults.signal, ...(options.signal ? [options.signal] : [])];
    const what = `${method} ${path}`;
    const fail = (code: string, detail: string, answer?: RequestError['answer']): never => {
      throw new RequestError(code, redact(`${what}: ${detail}`, [options.token]), answer);
    };

    // One controller, its timer and listeners removed afterwards: a long run makes hundreds of
    // thousands of requests, and signals combined with AbortSignal.any stay alive until timeout.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const stop = (): void => controller.abort();
    for (const s of stops) s.addEventListener('abort', stop, { once: true });
    let status = 0;
    let text = '';
    try {
      if (stops.some((s) => s.aborted)) return fail(ABORTED, 'stopped');
      const res = await fetch(this.url(path, options.query), {
        method,
        headers: {
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: controller.signal,
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      if (err instanceof RequestError) throw err;
      if (timedOut) return fail('TIMEOUT', `no answer within ${timeoutMs} ms`);
      if (controller.signal.aborted) return fail(ABORTED, 'stopped');
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return fail('NETWORK', cause?.code ?? cause?.message ?? (err as Error).message);
    } finally {
      clearTimeout(timer);
      for (const s of stops) s.removeEventListener('abort', stop);
    }

    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status < 200 || status >= 300) {
      const body = (json ?? {}) as MatrixErrorBody;
      const errcode = typeof body.errcode === 'string' ? body.errcode : `HTTP_${status}`;
      const message = typeof body.error === 'string' ? body.error : text;
      const retryAfterMs =
        typeof body.retry_after_ms === 'number' ? body.retry_after_ms : undefined;
      return fail(errcode, `${status} ${errcode} ${message.slice(0, ERROR_TEXT_LIMIT)}`, {
        status,
        body: json,
        retryAfterMs,
      });
    }
    if (json === undefined)
      return fail('INVALID_JSON', `${status} with a body that is not JSON`, { status });
    return { json: json as T, bytes: Buffer.byteLength(text) };
  }

  private url(path: string, query?: Record<string, string | undefined>): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params.set(key, value);
    }
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }
}
