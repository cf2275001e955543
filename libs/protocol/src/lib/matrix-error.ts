/**
 * A Matrix standard error: `{errcode, error}` plus code-specific keys, with its HTTP status.
 * Thrown anywhere below the HTTP layer; the platform's exception filter turns it into the response.
 */
export class MatrixError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    /** Extra response headers, e.g. `Retry-After` for M_LIMIT_EXCEEDED. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'MatrixError';
  }

  toJSON(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.message, ...this.extra };
  }

  static notJson(message = 'Content not JSON.'): MatrixError {
    return new MatrixError(400, 'M_NOT_JSON', message);
  }
  static badJson(message: string): MatrixError {
    return new MatrixError(400, 'M_BAD_JSON', message);
  }
  static missingParam(message: string): MatrixError {
    return new MatrixError(400, 'M_MISSING_PARAM', message);
  }
  static invalidParam(message: string): MatrixError {
    return new MatrixError(400, 'M_INVALID_PARAM', message);
  }
  static forbidden(message: string): MatrixError {
    return new MatrixError(403, 'M_FORBIDDEN', message);
  }
  static notFound(message: string): MatrixError {
    return new MatrixError(404, 'M_NOT_FOUND', message);
  }
  static unrecognized(status: 404 | 405 = 404, message = 'Unrecognized request'): MatrixError {
    return new MatrixError(status, 'M_UNRECOGNIZED', message);
  }
  static missingToken(message = 'Missing access token.'): MatrixError {
    return new MatrixError(401, 'M_MISSING_TOKEN', message);
  }
  static unknownToken(message = 'Unrecognised access token.', softLogout = false): MatrixError {
    return new MatrixError(401, 'M_UNKNOWN_TOKEN', message, { soft_logout: softLogout });
  }
  static tooLarge(message = 'Request too large.'): MatrixError {
    return new MatrixError(413, 'M_TOO_LARGE', message);
  }
  static limitExceeded(retryAfterMs: number): MatrixError {
    return new MatrixError(
      429,
      'M_LIMIT_EXCEEDED',
      'Too Many Requests',
      { retry_after_ms: retryAfterMs },
      { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) },
    );
  }
  static unknown(message: string, status = 400): MatrixError {
    return new MatrixError(status, 'M_UNKNOWN', message);
  }
}
