import type { OpenApiValidator } from './openapi-validator';

export type FetchFn = typeof fetch;

export interface SpecViolation {
  method: string;
  url: string;
  status: number;
  operation?: string;
  errors: string[];
}

function requestMethod(input: Parameters<FetchFn>[0], init: Parameters<FetchFn>[1]): string {
  return (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
}

function requestUrl(input: Parameters<FetchFn>[0]): URL {
  return new URL(input instanceof Request ? input.url : input);
}

/**
 * A fetch that passes every request through and checks every response against the Matrix spec,
 * reporting mismatches to `onViolation` instead of failing the request, so a test can drive a
 * client (e.g. matrix-js-sdk) normally and assert at the end that nothing was off-spec.
 */
export function validatingFetch(
  baseFetch: FetchFn,
  validator: OpenApiValidator,
  onViolation: (violation: SpecViolation) => void,
): FetchFn {
  return async (input, init) => {
    const response = await baseFetch(input, init);
    const method = requestMethod(input, init);
    const url = requestUrl(input);
    const report = (errors: string[], operation?: string): void =>
      onViolation({ method, url: url.toString(), status: response.status, operation, errors });

    const isJson = /^application\/json\b/i.test(response.headers.get('content-type') ?? '');
    if (!isJson) {
      // Media downloads and redirects are not JSON; a Matrix error always is.
      if (response.status >= 400)
        report([`error response is not JSON (${response.headers.get('content-type')})`]);
      return response;
    }
    let body: unknown;
    try {
      body = await response.clone().json();
    } catch (err) {
      report([`body is not valid JSON: ${(err as Error).message}`]);
      return response;
    }
    const result = validator.validate({
      method,
      path: url.pathname,
      status: response.status,
      body,
    });
    if (!result.ok) report(result.errors, result.operation);
    return response;
  };
}
