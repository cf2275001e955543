import { createHmac } from 'node:crypto';

import { RequestError } from './errors';
import type { HttpClient } from './http';
import type { LoginResponse, MatrixApi, Session } from './matrix-api';

/** How the harness creates its users. */
export interface Registrar {
  register(localpart: string, password: string): Promise<Session>;
}

/**
 * Synapse's shared-secret MAC: HMAC-SHA1 over `nonce \0 user \0 password \0 admin|notadmin`, hex.
 * Every server with Synapse's admin register API accepts it, whatever path it serves it at.
 */
export function sharedSecretMac(
  secret: string,
  nonce: string,
  localpart: string,
  password: string,
  admin: boolean,
): string {
  return createHmac('sha1', secret)
    .update([nonce, localpart, password, admin ? 'admin' : 'notadmin'].join('\0'))
    .digest('hex');
}

function session(res: LoginResponse, localpart: string, password: string): Session {
  if (!res.access_token) {
    throw new Error(`registering ${localpart} returned no access token (inhibit_login?)`);
  }
  return {
    userId: res.user_id,
    accessToken: res.access_token,
    deviceId: res.device_id,
    localpart,
    password,
  };
}

/** GET a nonce, then POST the user with the MAC, at `adminPath` (`/_chat/admin/v1/register`). */
export class SharedSecretRegistrar implements Registrar {
  constructor(
    private readonly http: HttpClient,
    private readonly adminPath: string,
    private readonly secret: string,
  ) {}

  async register(localpart: string, password: string): Promise<Session> {
    const { json: nonce } = await this.http.request<{ nonce: string }>('GET', this.adminPath);
    const { json } = await this.http.request<LoginResponse>('POST', this.adminPath, {
      body: {
        nonce: nonce.nonce,
        username: localpart,
        password,
        admin: false,
        mac: sharedSecretMac(this.secret, nonce.nonce, localpart, password, false),
      },
    });
    return session(json, localpart, password);
  }
}

interface UiaChallenge {
  session?: string;
  flows?: Array<{ stages?: string[] }>;
}

/**
 * Open registration: the first POST opens a user-interactive auth session (401 with its flows),
 * the second completes it with `m.login.dummy`. A server that needs any other stage is refused.
 */
export class DummyRegistrar implements Registrar {
  constructor(private readonly api: MatrixApi) {}

  async register(localpart: string, password: string): Promise<Session> {
    const path = this.api.clientPath('register');
    const body = { username: localpart, password, initial_device_display_name: 'bench' };
    let challenge: UiaChallenge;
    try {
      const { json } = await this.api.http.request<LoginResponse>('POST', path, { body });
      return session(json, localpart, password);
    } catch (err) {
      if (!(err instanceof RequestError) || err.status !== 401) throw err;
      challenge = (err.answer.body ?? {}) as UiaChallenge;
    }
    const dummyOnly = challenge.flows?.some(
      (f) => f.stages?.length === 1 && f.stages[0] === 'm.login.dummy',
    );
    if (!dummyOnly || !challenge.session) {
      throw new Error(
        `open registration needs a flow of m.login.dummy alone; the server offers ${JSON.stringify(
          challenge.flows ?? [],
        )} (use --registration shared-secret)`,
      );
    }
    const { json } = await this.api.http.request<LoginResponse>('POST', path, {
      body: { ...body, auth: { type: 'm.login.dummy', session: challenge.session } },
    });
    return session(json, localpart, password);
  }
}
