import { MatrixError } from '../matrix-error';

/**
 * An event failed the authorization rules. `rule` names the sub-rule in words that stay stable
 * across room versions (e.g. `member.join.banned`), so clients and logs can tell which one.
 */
export class AuthError extends MatrixError {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(403, 'M_FORBIDDEN', `${message} (auth rule ${rule})`);
  }
}
