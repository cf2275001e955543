import { createHmac, timingSafeEqual } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG, RateLimiter } from '@chat/platform';
import { MatrixError, isValidLocalpart, makeUserId, randomString } from '@chat/protocol';
import { AccountStore, AuthSessionStore } from '@chat/storage';

import { Clock } from '../common/clock';
import { AccountCreator } from './account-creator.service';
import { optionalBoolean, optionalString } from './body-fields';
import { PasswordHasher } from './password-hasher.service';
import { UiAuthChallenge } from './ui-auth-challenge';
import {
  LOGIN_DUMMY,
  LOGIN_REGISTRATION_TOKEN,
  UiAuthService,
  type UiAuthRequest,
  type UiAuthResult,
} from './ui-auth.service';

/** Synapse refuses longer passwords before hashing them. */
const MAX_PASSWORD_LENGTH = 512;
const NONCE_LIFETIME_MS = 60_000;
/** The UIA session's server-side key for the hash of the password a registration started with. */
const PASSWORD_HASH = 'password_hash';

export interface SharedSecretRegistration {
  nonce: unknown;
  username: unknown;
  password: unknown;
  displayname?: unknown;
  admin?: unknown;
  user_type?: unknown;
  mac: unknown;
}

@Injectable()
export class RegistrationService {
  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly accounts: AccountStore,
    private readonly authSessions: AuthSessionStore,
    private readonly uiAuth: UiAuthService,
    private readonly passwords: PasswordHasher,
    private readonly creator: AccountCreator,
    private readonly clock: Clock,
    private readonly rateLimiter: RateLimiter,
  ) {}

  /**
   * `POST /register`: validates, runs user-interactive auth, then creates the account. As in
   * Synapse, rc_registration counts the accounts created from `clientIp`, not the requests: one
   * registration takes several.
   */
  async register(kind: string | undefined, request: UiAuthRequest, clientIp: string) {
    const limitKey = `registration:${clientIp}`;
    this.rateLimiter.check(limitKey, this.config.rcRegistration, { update: false });
    if (kind === 'guest') return this.registerGuest(request.body, limitKey);
    if (kind !== undefined && kind !== 'user')
      throw MatrixError.invalidParam(`Invalid kind: ${kind}`);
    if (!this.config.enableRegistration) {
      throw MatrixError.forbidden('Registration has been disabled');
    }
    // The spec wants a taken or invalid username reported before any auth stage.
    const requested = optionalString(request.body, 'username');
    if (requested !== undefined) await this.checkUsername(requested.toLowerCase());
    const password = optionalString(request.body, 'password');
    this.checkPassword(password);

    const flows = this.config.registrationRequiresToken
      ? [[LOGIN_REGISTRATION_TOKEN]]
      : [[LOGIN_DUMMY]];
    // The session stores the body for later stages, but never the password: only its hash (as
    // Synapse does), kept when a stage is still missing.
    const { password: _password, ...body } = request.body;
    let outcome: UiAuthResult;
    try {
      outcome = await this.uiAuth.check({ ...request, body }, flows);
    } catch (error) {
      if (error instanceof UiAuthChallenge && password !== undefined) {
        const hash = await this.passwords.hash(password);
        await this.authSessions.setServerDictValue(error.body.session, PASSWORD_HASH, hash);
      }
      throw error;
    }
    const { sessionId, clientDict, completed, serverDict } = outcome;

    const stored = serverDict[PASSWORD_HASH];
    let passwordHash = typeof stored === 'string' ? stored : undefined;
    if (password !== undefined) passwordHash = await this.passwords.hash(password);
    if (passwordHash === undefined) throw MatrixError.missingParam('Missing password.');
    const username = optionalString(clientDict, 'username')?.toLowerCase();
    const userId =
      username !== undefined ? await this.checkUsername(username) : await this.freeUserId();
    const inhibitLogin = optionalBoolean(clientDict, 'inhibit_login') ?? false;
    const registrationToken = completed[LOGIN_REGISTRATION_TOKEN];

    this.rateLimiter.check(limitKey, this.config.rcRegistration);
    const result = await this.creator.createUser(
      { userId, passwordHash, isAdmin: false, isGuest: false },
      inhibitLogin
        ? false
        : {
            deviceId: optionalString(clientDict, 'device_id'),
            displayName: optionalString(clientDict, 'initial_device_display_name') ?? null,
          },
      typeof registrationToken === 'string'
        ? (txn) => this.authSessions.registrationTokenComplete(registrationToken, txn)
        : undefined,
    );
    await this.uiAuth.finish(sessionId);
    return result;
  }

  /** `GET /register/available`. */
  async checkAvailable(username: string): Promise<{ available: true }> {
    await this.checkUsername(username);
    return { available: true };
  }

  /** `GET /register/m.login.registration_token/validity`. */
  async registrationTokenValidity(token: string): Promise<{ valid: boolean }> {
    // The spec's 403: with registration off, no token can be used.
    if (!this.config.enableRegistration) {
      throw MatrixError.forbidden('Registration has been disabled');
    }
    return { valid: await this.authSessions.registrationTokenIsValid(token, this.clock.now()) };
  }

  /** `GET /_chat/admin/v1/register`: a nonce valid for one registration within a minute. */
  async sharedSecretNonce(): Promise<{ nonce: string }> {
    this.sharedSecret();
    const nonce = randomString(32);
    await this.authSessions.addRegistrationNonce(nonce, this.clock.now());
    return { nonce };
  }

  /**
   * `POST /_chat/admin/v1/register`: Synapse's scheme, so `register_new_matrix_user`-style tools
   * work: mac = HMAC-SHA1(secret, nonce NUL username NUL password NUL admin|notadmin [NUL user_type]).
   */
  async registerWithSharedSecret(body: SharedSecretRegistration) {
    const secret = this.sharedSecret();
    const { nonce, username, password, mac } = body;
    if (typeof nonce !== 'string') throw MatrixError.badJson('nonce must be specified');
    if (
      typeof username !== 'string' ||
      username.length > MAX_PASSWORD_LENGTH ||
      username.includes('\0')
    ) {
      throw MatrixError.badJson('Invalid username');
    }
    if (
      typeof password !== 'string' ||
      password.length > MAX_PASSWORD_LENGTH ||
      password.includes('\0')
    ) {
      throw MatrixError.badJson('Invalid password');
    }
    if (body.admin !== undefined && typeof body.admin !== 'boolean')
      throw MatrixError.badJson('admin must be a boolean');
    if (
      body.user_type !== undefined &&
      body.user_type !== null &&
      typeof body.user_type !== 'string'
    ) {
      throw MatrixError.badJson('Invalid user type');
    }
    if (
      body.displayname !== undefined &&
      body.displayname !== null &&
      typeof body.displayname !== 'string'
    ) {
      throw MatrixError.badJson('Invalid display name');
    }
    if (typeof mac !== 'string' || !/^[0-9a-fA-F]+$/.test(mac))
      throw MatrixError.badJson('mac must be specified');

    if (
      !(await this.authSessions.consumeRegistrationNonce(
        nonce,
        this.clock.now() - NONCE_LIFETIME_MS,
      ))
    ) {
      throw new MatrixError(400, 'M_UNKNOWN', 'unrecognised nonce');
    }
    const admin = body.admin === true;
    const parts = [nonce, username, password, admin ? 'admin' : 'notadmin'];
    if (typeof body.user_type === 'string') parts.push(body.user_type);
    const expected = createHmac('sha1', secret).update(parts.join('\0'), 'utf8').digest();
    const given = Buffer.from(mac, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw MatrixError.forbidden('HMAC incorrect');
    }

    const userId = await this.checkUsername(username);
    this.checkPassword(password);
    const session = await this.creator.createUser(
      { userId, passwordHash: await this.passwords.hash(password), isAdmin: admin, isGuest: false },
      {},
      typeof body.displayname === 'string'
        ? (txn) => this.accounts.setDisplayname(userId, body.displayname as string, txn)
        : undefined,
    );
    return session;
  }

  private async registerGuest(body: Record<string, unknown>, limitKey: string) {
    if (!this.config.allowGuestAccess) {
      throw new MatrixError(403, 'M_GUEST_ACCESS_FORBIDDEN', 'Guest access is disabled');
    }
    this.rateLimiter.check(limitKey, this.config.rcRegistration);
    return this.creator.createUser(
      { userId: await this.freeUserId(), passwordHash: null, isAdmin: false, isGuest: true },
      { displayName: optionalString(body, 'initial_device_display_name') ?? null },
    );
  }

  /** Valid and free, or the spec's error; returns the full user id. */
  private async checkUsername(localpart: string): Promise<string> {
    if (!isValidLocalpart(localpart, this.config.serverName)) {
      throw new MatrixError(
        400,
        'M_INVALID_USERNAME',
        'User ID can only contain characters a-z, 0-9, or =_-./+',
      );
    }
    const userId = makeUserId(localpart, this.config.serverName);
    if (Buffer.byteLength(userId, 'utf8') > 255) {
      throw new MatrixError(400, 'M_INVALID_USERNAME', 'User ID may not be longer than 255 bytes');
    }
    if ((await this.accounts.findUserIdsCaseInsensitive(userId)).length > 0) {
      throw new MatrixError(400, 'M_USER_IN_USE', 'User ID already taken.');
    }
    return userId;
  }

  private checkPassword(password: string | undefined): void {
    if (password === undefined) return;
    if (password.length > MAX_PASSWORD_LENGTH) throw MatrixError.invalidParam('Password too long');
    if (password.length < this.config.passwordConfig.minimumLength) {
      throw new MatrixError(400, 'M_WEAK_PASSWORD', 'Password too short');
    }
  }

  /** A numeric localpart, as Synapse gives users who pick none (and guests). */
  private async freeUserId(): Promise<string> {
    for (;;) {
      const userId = makeUserId(randomString(12, '0123456789'), this.config.serverName);
      if (!(await this.accounts.getUser(userId))) return userId;
    }
  }

  private sharedSecret(): string {
    const secret = this.config.registrationSharedSecret;
    if (!secret)
      throw new MatrixError(400, 'M_UNKNOWN', 'Shared secret registration is not enabled');
    return secret;
  }
}
