import { MatrixError, makeUserId, parseUserId } from '@chat/protocol';
import type { AccountStore, UserRecord } from '@chat/storage';

/**
 * The user an `m.login.password` body names: `identifier: {type: m.id.user, user}` or the legacy
 * top-level `user` field, as a localpart or a full user id. Returns the full user id on this server.
 */
export function userIdFromLoginBody(body: Record<string, unknown>, serverName: string): string {
  const identifier = body['identifier'];
  let user: unknown;
  if (identifier !== undefined) {
    if (typeof identifier !== 'object' || identifier === null || Array.isArray(identifier)) {
      throw MatrixError.badJson('identifier must be an object');
    }
    const fields = identifier as Record<string, unknown>;
    if (fields['type'] !== 'm.id.user') {
      // Third-party identifiers need 3PIDs, which this server does not bind yet.
      throw new MatrixError(
        400,
        'M_UNKNOWN',
        `Unknown login identifier type: ${String(fields['type'])}`,
      );
    }
    user = fields['user'];
  } else {
    user = body['user'];
  }
  if (typeof user !== 'string' || user.length === 0) {
    throw MatrixError.missingParam('User identifier is missing user');
  }
  const userId = user.startsWith('@') ? user : makeUserId(user.toLowerCase(), serverName);
  // A localpart with `:` or NUL, or an over-long one, names nobody and must not reach a query.
  if (!parseUserId(userId)) throw MatrixError.invalidParam('Invalid user id');
  return userId;
}

/**
 * The registered user an identifier means: an exact match, else the one user whose id matches
 * case-insensitively (Synapse accepts `@Alice:` for `@alice:`), else null.
 */
export async function findRegisteredUser(
  accounts: AccountStore,
  userId: string,
): Promise<UserRecord | null> {
  const exact = await accounts.getUser(userId);
  if (exact) return exact;
  const candidates = await accounts.findUserIdsCaseInsensitive(userId);
  return candidates.length === 1 ? accounts.getUser(candidates[0]) : null;
}
