import { type ISyncResponse, type MatrixClient, Method } from 'matrix-js-sdk';

export interface SyncOnceParams {
  since: string;
  /** An inline filter definition. */
  filter: Record<string, unknown>;
}

/**
 * One incremental `GET /sync` with `timeout=0`, through the SDK's HTTP layer (so through the
 * harness's prefix rewrite and validation) but outside its sync loop, for tests that need the
 * response as the server sent it: the SDK de-duplicates events and fills in `transaction_id`.
 */
export function syncOnce(client: MatrixClient, params: SyncOnceParams): Promise<ISyncResponse> {
  return client.http.authedRequest(Method.Get, '/sync', {
    since: params.since,
    timeout: '0',
    filter: JSON.stringify(params.filter),
  });
}
