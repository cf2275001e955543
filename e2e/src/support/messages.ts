import { Direction, type MatrixClient, Method } from 'matrix-js-sdk';
import { paginateMessages } from './room-api';

/**
 * `PUT /send` of a text message straight through the SDK's HTTP layer: the SDK's `sendMessage`
 * queues a client's messages one at a time, and callers of this want them to overlap.
 */
export function putMessage(
  client: MatrixClient,
  roomId: string,
  txnId: string,
  body: string,
): Promise<{ event_id: string }> {
  const path = `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`;
  return client.http.authedRequest(Method.Put, path, undefined, { msgtype: 'm.text', body });
}

/** Event ids of every message in the room, oldest first, from `/messages`. */
export async function messageIds(client: MatrixClient, roomId: string): Promise<string[]> {
  const pages = await paginateMessages(client, roomId, Direction.Forward, 100);
  return pages
    .flatMap((p) => p.chunk)
    .filter((e) => e.type === 'm.room.message')
    .map((e) => e.event_id);
}
