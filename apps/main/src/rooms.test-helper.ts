import { V3 } from './accounts.test-helper';
import type { ApiResponse, TestServer } from './test-server.test-helper';

export interface TestUser {
  userId: string;
  token: string;
  deviceId: string;
}

/** Path of a room endpoint, with the room id percent-encoded as clients do. */
export function roomPath(roomId: string, rest = ''): string {
  return `${V3}/rooms/${encodeURIComponent(roomId)}${rest ? `/${rest}` : ''}`;
}

export async function createRoom(
  server: TestServer,
  user: TestUser,
  body: Record<string, unknown> = {},
): Promise<string> {
  const res = await server.request('POST', `${V3}/createRoom`, { token: user.token, body });
  if (res.status !== 200) throw new Error(`createRoom failed: ${JSON.stringify(res.body)}`);
  return res.body['room_id'] as string;
}

let txnCounter = 0;

export async function sendMessage(
  server: TestServer,
  user: TestUser,
  roomId: string,
  content: Record<string, unknown>,
  type = 'm.room.message',
): Promise<ApiResponse> {
  return server.request('PUT', roomPath(roomId, `send/${type}/txn${txnCounter++}`), {
    token: user.token,
    body: content,
  });
}

export async function sendText(
  server: TestServer,
  user: TestUser,
  roomId: string,
  body: string,
): Promise<string> {
  const res = await sendMessage(server, user, roomId, { msgtype: 'm.text', body });
  if (res.status !== 200) throw new Error(`send failed: ${JSON.stringify(res.body)}`);
  return res.body['event_id'] as string;
}

export async function join(
  server: TestServer,
  user: TestUser,
  roomId: string,
): Promise<ApiResponse> {
  return server.request('POST', roomPath(roomId, 'join'), { token: user.token, body: {} });
}

export async function invite(
  server: TestServer,
  inviter: TestUser,
  roomId: string,
  userId: string,
): Promise<ApiResponse> {
  return server.request('POST', roomPath(roomId, 'invite'), {
    token: inviter.token,
    body: { user_id: userId },
  });
}
