import { Inject, Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG } from '@chat/platform';

/**
 * argon2id password hashes. The work runs on libuv's thread pool, so a login storm slows logins,
 * not every other request on the event loop.
 */
@Injectable()
export class PasswordHasher {
  constructor(@Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, {
      type: argon2.argon2id,
      timeCost: this.config.passwordHashingCost,
      memoryCost: 19456,
      parallelism: 1,
    });
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    if (!hash) return false;
    try {
      return await argon2.verify(hash, password);
    } catch {
      // A hash we cannot parse (e.g. imported from another server) never matches.
      return false;
    }
  }
}
