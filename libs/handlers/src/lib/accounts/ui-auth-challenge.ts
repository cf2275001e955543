import { MatrixError } from '@chat/protocol';

export interface UiAuthChallengeBody {
  flows: Array<{ stages: string[] }>;
  params: Record<string, unknown>;
  session: string;
  completed: string[];
}

/**
 * The 401 answer of user-interactive auth: which flows remain, with an `errcode` only when the
 * stage the client just tried failed (a plain challenge has none).
 */
export class UiAuthChallenge extends MatrixError {
  constructor(
    readonly body: UiAuthChallengeBody,
    failure?: { errcode: string; error: string },
  ) {
    super(
      401,
      failure?.errcode ?? '',
      failure?.error ?? 'User-interactive authentication required',
    );
  }

  override toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { ...this.body };
    if (this.body.completed.length === 0) delete json['completed'];
    if (this.errcode) {
      json['errcode'] = this.errcode;
      json['error'] = this.message;
    }
    return json;
  }
}
