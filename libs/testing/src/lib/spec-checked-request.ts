import type { OpenApiValidator } from './openapi-validator';

/** Paths the Matrix client-server OpenAPI describes (under our `/chat` name or the standard one). */
const SPEC_PATHS = /^\/(chat|_matrix)\/client\/|^\/\.well-known\/matrix\/client(\?|$)/;

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export interface ApiRequestOptions {
  /** An object is sent as JSON, a string as it is. */
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

/**
 * Sends a request to a server under test. Any 5xx fails the test that sent it (bad input gets a
 * Matrix error, never a crash), and a response to a client-API path must match the spec.
 */
export async function specCheckedRequest(
  validator: OpenApiValidator,
  baseUrl: string,
  method: string,
  path: string,
  options: ApiRequestOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['Authorization'] = `Bearer ${options.token}`;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').startsWith('application/json');
  const body: Record<string, unknown> = !text
    ? {}
    : json
      ? (JSON.parse(text) as Record<string, unknown>)
      : { text };
  if (response.status >= 500) {
    throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  }
  if (SPEC_PATHS.test(path) && response.status !== 405) {
    const result = validator.validate({
      method,
      path: path.split('?')[0],
      status: response.status,
      body,
    });
    // Two answers the spec's per-operation 401/404 schemas do not describe but every endpoint
    // gives: token errors (UIA endpoints declare their 401 as the auth flow object) and unknown paths.
    const standardError =
      typeof body['error'] === 'string' &&
      ((response.status === 401 &&
        ['M_MISSING_TOKEN', 'M_UNKNOWN_TOKEN'].includes(body['errcode'] as string)) ||
        (response.status === 404 && body['errcode'] === 'M_UNRECOGNIZED'));
    if (!result.ok && !standardError) {
      throw new Error(
        `${method} ${path} ${response.status} does not match the spec: ${result.errors.join('; ')}\n${text}`,
      );
    }
  }
  return { status: response.status, headers: response.headers, body };
}
