import { Inject, Injectable, OnModuleInit } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG } from '@chat/platform';
import { MatrixError, randomString } from '@chat/protocol';
import { AccountStore, AuthSessionStore } from '@chat/storage';

import { BackgroundTasks } from '../common/background-tasks';
import { Clock } from '../common/clock';
import { PasswordHasher } from './password-hasher.service';
import { UiAuthChallenge } from './ui-auth-challenge';
import { findRegisteredUser, userIdFromLoginBody } from './user-identifier';

export const LOGIN_DUMMY = 'm.login.dummy';
export const LOGIN_PASSWORD = 'm.login.password';
export const LOGIN_REGISTRATION_TOKEN = 'm.login.registration_token';

/** Synapse keeps UIA sessions for 48 hours. */
const SESSION_LIFETIME_MS = 48 * 3600 * 1000;
const EXPIRY_INTERVAL_MS = 3600 * 1000;

export interface UiAuthRequest {
  method: string;
  /** The request path; a session stays bound to the method and path that opened it. */
  uri: string;
  body: Record<string, unknown>;
  /** The authenticated user, for flows that re-authenticate the token's owner. */
  userId?: string;
}

export interface UiAuthResult {
  sessionId: string;
  /** The request body without `auth`; an empty body on a later stage replays the first one. */
  clientDict: Record<string, unknown>;
  /** Stage type → result (the user id for password, the token for registration tokens). */
  completed: Record<string, unknown>;
  /** Values the server bound to the session on earlier requests (e.g. a password hash). */
  serverDict: Record<string, unknown>;
}

/**
 * User-interactive authentication (client-server API §UIA). Sessions live in the database so any
 * worker can serve any step of a flow.
 */
@Injectable()
export class UiAuthService implements OnModuleInit {
  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly sessions: AuthSessionStore,
    private readonly accounts: AccountStore,
    private readonly passwords: PasswordHasher,
    private readonly clock: Clock,
    private readonly tasks: BackgroundTasks,
  ) {}

  onModuleInit(): void {
    this.tasks.every('expire_ui_auth_sessions', EXPIRY_INTERVAL_MS, () =>
      this.sessions.expireUiAuthSessions(this.clock.now() - SESSION_LIFETIME_MS),
    );
  }

  /**
   * Returns when one of `flows` is complete; otherwise throws the 401 challenge (or a stage failure).
   */
  async check(request: UiAuthRequest, flows: string[][]): Promise<UiAuthResult> {
    const { auth, ...bodyWithoutAuth } = request.body;
    if (auth !== undefined && (typeof auth !== 'object' || auth === null || Array.isArray(auth))) {
      throw MatrixError.badJson('auth must be an object');
    }
    const authDict = auth as Record<string, unknown> | undefined;
    const sessionField = authDict?.['session'];
    if (sessionField !== undefined && typeof sessionField !== 'string') {
      throw MatrixError.badJson('auth.session must be a string');
    }

    let sessionId: string;
    let clientDict = bodyWithoutAuth;
    let completed: Record<string, unknown>;
    let serverDict: Record<string, unknown> = {};
    if (sessionField !== undefined) {
      const session = await this.sessions.getUiAuthSession(sessionField);
      if (!session || session.createdTs < this.clock.now() - SESSION_LIFETIME_MS) {
        throw new MatrixError(400, 'M_UNKNOWN', `Unknown session ID: ${sessionField}`);
      }
      if (session.method !== request.method || session.uri !== request.uri) {
        throw MatrixError.forbidden(
          'Requested operation has changed during the UI authentication session.',
        );
      }
      sessionId = session.sessionId;
      completed = { ...session.completed };
      serverDict = session.serverDict;
      if (Object.keys(clientDict).length === 0) clientDict = session.clientDict;
    } else {
      sessionId = randomString(24);
      completed = {};
      await this.sessions.createUiAuthSession({
        sessionId,
        method: request.method,
        uri: request.uri,
        clientDict,
        createdTs: this.clock.now(),
      });
    }

    const challenge = (failure?: { errcode: string; error: string }) =>
      new UiAuthChallenge(
        {
          flows: flows.map((stages) => ({ stages })),
          params: {},
          session: sessionId,
          completed: Object.keys(completed),
        },
        failure,
      );

    const stageType = authDict?.['type'];
    if (stageType !== undefined && !(typeof stageType === 'string' && stageType in completed)) {
      if (typeof stageType !== 'string' || !flows.some((flow) => flow.includes(stageType))) {
        throw challenge({
          errcode: 'M_UNRECOGNIZED',
          error: `Unrecognised auth type: ${String(stageType)}`,
        });
      }
      const outcome = await this.runStage(stageType, authDict ?? {}, request);
      if (!outcome.ok) throw challenge(outcome.failure);
      completed[stageType] = outcome.result;
      await this.sessions.markStageCompleted(sessionId, stageType, outcome.result);
    }

    if (flows.some((flow) => flow.every((stage) => stage in completed))) {
      return { sessionId, clientDict, completed, serverDict };
    }
    throw challenge();
  }

  /** Forget a session once the operation it guarded has succeeded. */
  async finish(sessionId: string): Promise<void> {
    await this.sessions.deleteUiAuthSession(sessionId);
  }

  private async runStage(
    type: string,
    auth: Record<string, unknown>,
    request: UiAuthRequest,
  ): Promise<
    { ok: true; result: unknown } | { ok: false; failure: { errcode: string; error: string } }
  > {
    switch (type) {
      case LOGIN_DUMMY:
        return { ok: true, result: true };
      case LOGIN_PASSWORD: {
        const named = userIdFromLoginBody(auth, this.config.serverName);
        const user = await findRegisteredUser(this.accounts, named);
        const userId = user?.userId ?? named;
        if (request.userId !== undefined && userId !== request.userId) {
          throw MatrixError.forbidden('Invalid auth: the identifier is not the logged-in user');
        }
        const password = auth['password'];
        if (typeof password !== 'string')
          throw MatrixError.badJson('auth.password must be a string');
        if (
          !user ||
          user.deactivated ||
          !(await this.passwords.verify(user.passwordHash, password))
        ) {
          return {
            ok: false,
            failure: { errcode: 'M_FORBIDDEN', error: 'Invalid username or password' },
          };
        }
        return { ok: true, result: userId };
      }
      case LOGIN_REGISTRATION_TOKEN: {
        const token = auth['token'];
        if (typeof token !== 'string') throw MatrixError.badJson('auth.token must be a string');
        if (!(await this.sessions.registrationTokenIsValid(token, this.clock.now()))) {
          return {
            ok: false,
            failure: { errcode: 'M_UNAUTHORIZED', error: 'Invalid registration token' },
          };
        }
        await this.sessions.registrationTokenAddPending(token);
        return { ok: true, result: token };
      }
      default:
        return {
          ok: false,
          failure: { errcode: 'M_UNRECOGNIZED', error: `Unsupported auth type: ${type}` },
        };
    }
  }
}
