import { SetMetadata } from '@nestjs/common';
import type { HomeserverConfig, RateLimitConfig } from '@chat/config';

export const RATE_LIMIT = 'chat:rate-limit';

export interface RateLimitRule {
  select: (config: HomeserverConfig) => RateLimitConfig;
  by: 'ip' | 'user';
}

/**
 * Rate-limits a route with the config bucket `select` picks, keyed per client IP or per user
 * (falling back to the IP when the route has no requester). Each route has its own buckets.
 */
export const RateLimit = (
  select: RateLimitRule['select'],
  by: RateLimitRule['by'] = 'ip',
): MethodDecorator => SetMetadata(RATE_LIMIT, { select, by } satisfies RateLimitRule);
