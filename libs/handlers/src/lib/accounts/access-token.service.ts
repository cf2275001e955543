import { createHash } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import type { AccessTokenResolver, Requester } from '@chat/platform';
import { encodeBase64Url, parseUserIdOrThrow, randomString } from '@chat/protocol';
import { DeviceStore, type Txn } from '@chat/storage';

import { Clock } from '../common/clock';
import { ClientIpRecorder } from '../devices/client-ip-recorder.service';

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 32 characters of a 62-letter alphabet: about 190 random bits. */
const TOKEN_RANDOM_LENGTH = 32;

export function hashAccessToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Issues and resolves access tokens. Tokens are `cht_<base64url(localpart)>_<random>` so that a
 * reverse proxy can route `/sync` by user without a lookup (architecture.md §1); only their SHA-256
 * is stored, and the lookup is by that hash.
 */
@Injectable()
export class AccessTokenService implements AccessTokenResolver {
  constructor(
    private readonly devices: DeviceStore,
    private readonly clock: Clock,
    private readonly clientIps: ClientIpRecorder,
  ) {}

  async issue(userId: string, deviceId: string, txn?: Txn): Promise<{ token: string; id: number }> {
    const { localpart } = parseUserIdOrThrow(userId);
    const token = `cht_${encodeBase64Url(Buffer.from(localpart, 'utf8'))}_${randomString(TOKEN_RANDOM_LENGTH, TOKEN_ALPHABET)}`;
    const id = await this.devices.addAccessToken(
      { tokenHash: hashAccessToken(token), userId, deviceId, validUntilMs: null },
      txn,
    );
    return { token, id };
  }

  async resolve(
    token: string,
    request: { ip: string; userAgent: string },
  ): Promise<Requester | null> {
    // Looking up by SHA-256 rather than by the token keeps the comparison constant-time in effect:
    // a caller controls the token, not which bytes of its hash the index compares first.
    const record = await this.devices.getAccessToken(hashAccessToken(token));
    if (!record) return null;
    if (record.validUntilMs !== null && record.validUntilMs <= this.clock.now()) return null;
    this.clientIps.record({
      userId: record.userId,
      deviceId: record.deviceId,
      tokenId: String(record.id),
      ip: request.ip,
      userAgent: request.userAgent,
    });
    return {
      userId: record.userId,
      deviceId: record.deviceId,
      isGuest: record.isGuest,
      accessTokenId: record.id,
    };
  }
}
