import { MatrixError } from '@chat/protocol';

/**
 * A token a client (or a peer) sent that does not parse or breaks a token invariant. It is a
 * MatrixError so the HTTP layer answers 400 M_INVALID_PARAM without any mapping of its own.
 */
export class TokenError extends MatrixError {
  constructor(message: string) {
    super(400, 'M_INVALID_PARAM', message);
    this.name = 'TokenError';
  }
}
