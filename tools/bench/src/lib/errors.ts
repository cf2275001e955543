/**
 * What a failed request counts as: the Matrix `errcode` of its body, or `HTTP_<status>` when the
 * body has none, `TIMEOUT` (the per-request timeout), `NETWORK` (no HTTP answer), `INVALID_JSON`,
 * or `ABORTED` (the run was stopping; not a server error, never counted).
 */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly answer: {
      status?: number;
      /** The parsed error body (a user-interactive auth challenge lives there). */
      body?: unknown;
      /** From an M_LIMIT_EXCEEDED body: how long the server asked us to wait. */
      retryAfterMs?: number;
    } = {},
  ) {
    super(message);
    this.name = 'RequestError';
  }

  get status(): number | undefined {
    return this.answer.status;
  }
}

export const ABORTED = 'ABORTED';

export function errorCode(err: unknown): string {
  if (err instanceof RequestError) return err.code;
  if (err instanceof Error && err.name === 'AbortError') return ABORTED;
  return 'CLIENT_ERROR';
}

/** Failed requests of the measured phase, by code. */
export class ErrorTally {
  private readonly counts = new Map<string, number>();

  /** Counts `err` unless it is an abort of a stopping run; returns its code either way. */
  add(err: unknown): string {
    const code = errorCode(err);
    if (code !== ABORTED) this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    return code;
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  /** Most frequent first, then by code, so two runs print in the same order. */
  toJSON(): Record<string, number> {
    const entries = [...this.counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return Object.fromEntries(entries);
  }
}

/** Replaces every secret in `text` (access tokens, the shared secret) before it is printed. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('<redacted>');
  }
  return out;
}
