import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { MatrixError } from '@chat/protocol';
import type { Request } from 'express';
import { requestContext } from '../http/request-context';
import { ALLOW_GUEST, AUTH_MODE, type AuthMode } from './auth.decorators';
import { ACCESS_TOKEN_RESOLVER, type AccessTokenResolver } from './requester';

/**
 * Every route needs a valid access token unless marked `@Public()` or `@OptionalAuth()`; guests
 * only where `@AllowGuest()`. The requester lands in the request context for `@CurrentRequester()`.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  private resolver: AccessTokenResolver | null | undefined;

  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') {
      return true;
    }
    const targets = [context.getHandler(), context.getClass()];
    const mode = this.reflector.getAllAndOverride<AuthMode | undefined>(AUTH_MODE, targets);
    if (mode === 'public') {
      return true;
    }
    const req = context.switchToHttp().getRequest<Request>();
    const token = accessTokenOf(req);
    if (token === undefined) {
      if (mode === 'optional') {
        return true;
      }
      throw MatrixError.missingToken();
    }
    const ctx = requestContext(req);
    const requester = await this.lookUpResolver()?.resolve(token, {
      ip: ctx.clientIp,
      userAgent: req.get('user-agent') ?? '',
    });
    if (!requester) {
      throw MatrixError.unknownToken();
    }
    if (requester.isGuest && !this.reflector.getAllAndOverride<boolean>(ALLOW_GUEST, targets)) {
      throw new MatrixError(403, 'M_GUEST_ACCESS_FORBIDDEN', 'Guest access not allowed');
    }
    ctx.requester = requester;
    return true;
  }

  /** The resolver is provided by a feature module, which this global module cannot import. */
  private lookUpResolver(): AccessTokenResolver | null {
    if (this.resolver === undefined) {
      try {
        this.resolver = this.moduleRef.get<AccessTokenResolver>(ACCESS_TOKEN_RESOLVER, {
          strict: false,
        });
      } catch {
        this.resolver = null;
      }
    }
    return this.resolver;
  }
}

/** The token from `Authorization: Bearer` or `?access_token=`; undefined when neither is sent. */
function accessTokenOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  const query = req.query['access_token'];
  if (header !== undefined && query !== undefined) {
    throw MatrixError.missingToken(
      'Mixing Authorization headers and access_token query parameters.',
    );
  }
  if (header !== undefined) {
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match) {
      throw MatrixError.missingToken('Invalid Authorization header.');
    }
    return match[1];
  }
  if (query === undefined) {
    return undefined;
  }
  if (typeof query !== 'string' || query === '') {
    throw MatrixError.missingToken('Invalid access_token query parameter.');
  }
  return query;
}
