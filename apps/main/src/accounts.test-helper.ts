import type { ApiResponse, TestServer } from './test-server.test-helper';

export const V3 = '/chat/client/v3';

/** Asserts a Matrix error answer: the status, the errcode and a human-readable `error`. */
export function expectError(res: ApiResponse, status: number, errcode: string): void {
  expect({ status: res.status, errcode: res.body['errcode'] }).toEqual({ status, errcode });
  expect(typeof res.body['error']).toBe('string');
}

/** An `m.login.password` auth dict naming the user by localpart. */
export function passwordAuth(user: string, password: string, session?: unknown) {
  return {
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user },
    password,
    ...(session !== undefined && { session }),
  };
}

/**
 * Opens a user-interactive auth session with `method path` (asserting the 401 password challenge)
 * and returns its id.
 */
export async function openPasswordSession(
  server: TestServer,
  method: string,
  path: string,
  token: string,
  body: Record<string, unknown> = {},
): Promise<string> {
  const challenge = await server.request(method, path, { token, body });
  expect(challenge.status).toBe(401);
  expect(challenge.body).toMatchObject({
    flows: [{ stages: ['m.login.password'] }],
    session: expect.any(String),
  });
  expect(challenge.body['errcode']).toBeUndefined();
  return challenge.body['session'] as string;
}

/** Runs a request guarded by password UIA: the 401 challenge, then the same request with auth. */
export async function withPasswordAuth(
  server: TestServer,
  method: string,
  path: string,
  who: { token: string; user: string; password: string },
  body: Record<string, unknown> = {},
): Promise<ApiResponse> {
  const session = await openPasswordSession(server, method, path, who.token, body);
  return server.request(method, path, {
    token: who.token,
    body: { ...body, auth: passwordAuth(who.user, who.password, session) },
  });
}

/** Asserts that the token still authenticates its owner. */
export async function expectTokenAlive(server: TestServer, token: string): Promise<void> {
  expect((await server.request('GET', `${V3}/account/whoami`, { token })).status).toBe(200);
}

/** Asserts that the token is refused as unknown. */
export async function expectTokenDead(server: TestServer, token: string): Promise<void> {
  expectError(
    await server.request('GET', `${V3}/account/whoami`, { token }),
    401,
    'M_UNKNOWN_TOKEN',
  );
}

/** The ids of the token owner's devices, sorted. */
export async function deviceIds(server: TestServer, token: string): Promise<string[]> {
  const res = await server.request('GET', `${V3}/devices`, { token });
  expect(res.status).toBe(200);
  return (res.body['devices'] as Array<{ device_id: string }>).map((d) => d.device_id).sort();
}
