import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { requestContext } from '../http/request-context';
import type { Requester } from './requester';

export type AuthMode = 'required' | 'optional' | 'public';

export const AUTH_MODE = 'chat:auth-mode';
export const ALLOW_GUEST = 'chat:allow-guest';

/** No access token needed; one that is sent is ignored. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(AUTH_MODE, 'public');

/** An access token is resolved when given; without one the requester is undefined. */
export const OptionalAuth = (): MethodDecorator & ClassDecorator =>
  SetMetadata(AUTH_MODE, 'optional');

/** Guest access tokens are accepted (otherwise they get 403 M_GUEST_ACCESS_FORBIDDEN). */
export const AllowGuest = (): MethodDecorator & ClassDecorator => SetMetadata(ALLOW_GUEST, true);

/** The authenticated `Requester`; undefined on `@OptionalAuth()` routes called without a token. */
export const CurrentRequester = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Requester | undefined =>
    requestContext(ctx.switchToHttp().getRequest<Request>()).requester,
);

/** The client's IP address (`X-Forwarded-For` on listeners with `x_forwarded: true`). */
export const ClientIp = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): string =>
    requestContext(ctx.switchToHttp().getRequest<Request>()).clientIp,
);
