import type { HttpClient, HttpResult } from './http';

/** A logged-in user as the harness keeps it; the token only ever goes into a header. */
export interface Session {
  userId: string;
  accessToken: string;
  deviceId: string;
  localpart: string;
  password: string;
}

export interface LoginResponse {
  user_id: string;
  access_token: string;
  device_id: string;
}

export interface SyncResponse {
  next_batch: string;
  rooms?: {
    join?: Record<
      string,
      { timeline?: { limited?: boolean; events?: Array<{ event_id: string }> } }
    >;
  };
}

export interface SyncRequest {
  filter?: object;
  since?: string;
  timeoutMs?: number;
  /** Added to the long-poll's own timeout: how long the answer may take on top of it. */
  requestTimeoutMs?: number;
  signal?: AbortSignal;
}

/** The client-server endpoints the scenarios use, under a configurable prefix. */
export class MatrixApi {
  constructor(
    readonly http: HttpClient,
    /** `/chat` or `/_matrix`: what comes before `/client/v3/...`. */
    readonly prefix: string,
  ) {}

  clientPath(rest: string): string {
    return `${this.prefix}/client/v3/${rest}`;
  }

  async login(localpart: string, password: string): Promise<LoginResponse> {
    const { json } = await this.http.request<LoginResponse>('POST', this.clientPath('login'), {
      body: {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: localpart },
        password,
        initial_device_display_name: 'bench',
      },
    });
    return json;
  }

  async whoami(token: string): Promise<{ user_id: string }> {
    return (
      await this.http.request<{ user_id: string }>('GET', this.clientPath('account/whoami'), {
        token,
      })
    ).json;
  }

  async createRoom(token: string, body: object = { preset: 'public_chat' }): Promise<string> {
    const { json } = await this.http.request<{ room_id: string }>(
      'POST',
      this.clientPath('createRoom'),
      {
        token,
        body,
      },
    );
    return json.room_id;
  }

  async join(token: string, roomId: string): Promise<void> {
    await this.http.request('POST', this.clientPath(`rooms/${encodeURIComponent(roomId)}/join`), {
      token,
      body: {},
    });
  }

  async sendMessage(token: string, roomId: string, txnId: string, body: string): Promise<string> {
    const path = this.clientPath(
      `rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`,
    );
    const { json } = await this.http.request<{ event_id: string }>('PUT', path, {
      token,
      body: { msgtype: 'm.text', body },
    });
    return json.event_id;
  }

  sync(token: string, req: SyncRequest = {}): Promise<HttpResult<SyncResponse>> {
    return this.http.request<SyncResponse>('GET', this.clientPath('sync'), {
      token,
      query: {
        filter: req.filter ? JSON.stringify(req.filter) : undefined,
        since: req.since,
        timeout: req.timeoutMs === undefined ? undefined : String(req.timeoutMs),
      },
      timeoutMs:
        req.requestTimeoutMs === undefined
          ? undefined
          : (req.timeoutMs ?? 0) + req.requestTimeoutMs,
      signal: req.signal,
    });
  }
}
