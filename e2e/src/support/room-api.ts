import {
  ClientPrefix,
  type Direction,
  type IEvent,
  type MatrixClient,
  Method,
} from 'matrix-js-sdk';

// Room requests for the e2e suites. Context, threads and receipts go through the SDK's HTTP
// layer: its own calls for them need a synced timeline, or (threads) pick the unstable prefix
// unless a sync said otherwise.

export interface ContextResponse {
  start: string;
  end: string;
  event: IEvent;
  events_before: IEvent[];
  events_after: IEvent[];
  state: IEvent[];
}

export function getContext(
  client: MatrixClient,
  roomId: string,
  eventId: string,
  limit = 10,
): Promise<ContextResponse> {
  const path = `/rooms/${encodeURIComponent(roomId)}/context/${encodeURIComponent(eventId)}`;
  return client.http.authedRequest(Method.Get, path, { limit: String(limit) });
}

export function getThreads(
  client: MatrixClient,
  roomId: string,
): Promise<{ chunk: IEvent[]; next_batch?: string }> {
  return client.http.authedRequest(
    Method.Get,
    `/rooms/${encodeURIComponent(roomId)}/threads`,
    undefined,
    undefined,
    { prefix: ClientPrefix.V1, priority: 'auto' },
  );
}

export function sendReceipt(
  client: MatrixClient,
  roomId: string,
  receiptType: string,
  eventId: string,
  body: Record<string, unknown> = {},
): Promise<Record<string, never>> {
  const path =
    `/rooms/${encodeURIComponent(roomId)}/receipt/${encodeURIComponent(receiptType)}` +
    `/${encodeURIComponent(eventId)}`;
  return client.http.authedRequest(Method.Post, path, undefined, body);
}

export interface MessagesPage {
  /** The `from` sent for this page; null when omitted. */
  from: string | null;
  start?: string;
  end?: string;
  chunk: IEvent[];
}

/** Safety stop for a server whose `end` never runs out. */
const MAX_PAGES = 500;

/**
 * Every page of `/messages` in direction `dir`: the first with `from` omitted (the newest end
 * going backwards, the room's start going forwards), each next one from the previous `end`,
 * until a page comes without `end`, as the spec says the last one does.
 */
export async function paginateMessages(
  client: MatrixClient,
  roomId: string,
  dir: Direction,
  limit: number,
): Promise<MessagesPage[]> {
  const pages: MessagesPage[] = [];
  let from: string | null = null;
  while (pages.length < MAX_PAGES) {
    const res = await client.createMessagesRequest(roomId, from, limit, dir);
    pages.push({ from, start: res.start, end: res.end, chunk: res.chunk as IEvent[] });
    if (res.end === undefined) return pages;
    from = res.end;
  }
  throw new Error(`/messages gave an \`end\` token on ${MAX_PAGES} pages in a row`);
}
