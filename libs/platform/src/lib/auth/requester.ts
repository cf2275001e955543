/** Who made an authenticated request: the access token's user and device. */
export interface Requester {
  userId: string;
  deviceId: string;
  isGuest: boolean;
  accessTokenId: number;
}

/**
 * DI token for the `AccessTokenResolver`. A feature module provides it; the platform looks it up
 * across the whole container so that it need not import that module.
 */
export const ACCESS_TOKEN_RESOLVER = Symbol('ACCESS_TOKEN_RESOLVER');

export interface AccessTokenResolver {
  /** The token's owner, or null when the token is unknown, expired or logged out. */
  resolve(token: string, request: { ip: string; userAgent: string }): Promise<Requester | null>;
}
