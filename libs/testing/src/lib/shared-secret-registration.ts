import { createHmac } from 'node:crypto';

export interface SharedSecretRegistration {
  username: string;
  password: string;
  admin: boolean;
}

export interface RegisteredUser {
  user_id: string;
  access_token: string;
  device_id: string;
}

/** Synapse's MAC: HMAC-SHA1 over `nonce \0 username \0 password \0 admin|notadmin`, hex. */
export function sharedSecretMac(
  sharedSecret: string,
  nonce: string,
  user: SharedSecretRegistration,
): string {
  return createHmac('sha1', sharedSecret)
    .update([nonce, user.username, user.password, user.admin ? 'admin' : 'notadmin'].join('\0'))
    .digest('hex');
}

async function jsonOrThrow(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what} failed with ${res.status}: ${text}`);
  return JSON.parse(text);
}

/**
 * Registers a user through the shared-secret admin API (`/_chat/admin/v1/register`, Synapse's
 * `/_synapse/admin/v1/register`): fetch a nonce, then post the user with the MAC.
 */
export async function registerWithSharedSecret(
  baseUrl: string,
  sharedSecret: string,
  user: SharedSecretRegistration,
): Promise<RegisteredUser> {
  const url = `${baseUrl}/_chat/admin/v1/register`;
  const { nonce } = (await jsonOrThrow(await fetch(url), 'GET nonce')) as { nonce: string };
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ nonce, ...user, mac: sharedSecretMac(sharedSecret, nonce, user) }),
  });
  return (await jsonOrThrow(res, 'shared-secret registration')) as RegisteredUser;
}
