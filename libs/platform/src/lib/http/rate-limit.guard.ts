import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { HomeserverConfig } from '@chat/config';
import type { Request } from 'express';
import { HOMESERVER_CONFIG } from '../tokens';
import { RATE_LIMIT, type RateLimitRule } from './rate-limit.decorator';
import { RateLimiter } from './rate-limiter.service';
import { requestContext } from './request-context';

/** Applies `@RateLimit()`; runs after authentication so that `by: 'user'` knows the user. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const rule = this.reflector.get<RateLimitRule | undefined>(RATE_LIMIT, context.getHandler());
    if (!rule || context.getType() !== 'http') {
      return true;
    }
    const ctx = requestContext(context.switchToHttp().getRequest<Request>());
    const who = rule.by === 'user' && ctx.requester ? ctx.requester.userId : ctx.clientIp;
    const route = `${context.getClass().name}.${context.getHandler().name}`;
    this.limiter.check(`${route}:${who}`, rule.select(this.config));
    return true;
  }
}
