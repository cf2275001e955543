import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerWithSharedSecret, sharedSecretMac } from './shared-secret-registration';

// Computed with Python's hmac/hashlib, as Synapse's own register_new_matrix_user does.
const ALICE_MAC = '417cf3ff88cb7160be5348d9f984c5051001d6b2';
const BOB_MAC = '4c752def6cedc89cf5e14ec77f9e5bc8529e4681';

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

describe('sharedSecretMac', () => {
  it('matches Synapse for admin and non-admin users', () => {
    expect(
      sharedSecretMac('shh-secret', 'abc123', {
        username: 'alice',
        password: 'hunter2',
        admin: true,
      }),
    ).toBe(ALICE_MAC);
    expect(
      sharedSecretMac('shh-secret', 'abc123', { username: 'bob', password: 'pw', admin: false }),
    ).toBe(BOB_MAC);
  });
});

describe('registerWithSharedSecret', () => {
  let server: Server;
  let base: string;
  let posted: unknown;

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      if (req.url !== '/_chat/admin/v1/register') {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end('{"errcode":"M_UNRECOGNIZED"}');
      } else if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"nonce":"abc123"}');
      } else {
        posted = JSON.parse(await readBody(req));
        const ok = (posted as { mac: string }).mac === ALICE_MAC;
        res
          .writeHead(ok ? 200 : 403, { 'content-type': 'application/json' })
          .end(
            ok
              ? '{"user_id":"@alice:localhost","access_token":"t","device_id":"D"}'
              : '{"errcode":"M_FORBIDDEN"}',
          );
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches a nonce and posts the user with its MAC', async () => {
    const user = await registerWithSharedSecret(base, 'shh-secret', {
      username: 'alice',
      password: 'hunter2',
      admin: true,
    });
    expect(user).toEqual({ user_id: '@alice:localhost', access_token: 't', device_id: 'D' });
    expect(posted).toEqual({
      nonce: 'abc123',
      username: 'alice',
      password: 'hunter2',
      admin: true,
      mac: ALICE_MAC,
    });
  });

  it('fails with the server answer when the registration is refused', async () => {
    await expect(
      registerWithSharedSecret(base, 'wrong-secret', {
        username: 'alice',
        password: 'hunter2',
        admin: true,
      }),
    ).rejects.toThrow('shared-secret registration failed with 403: {"errcode":"M_FORBIDDEN"}');
  });
});
