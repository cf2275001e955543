import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import type { HomeserverConfig } from '@chat/config';
import { AccessTokenGuard } from './auth/access-token.guard';
import { ListenerResourceGuard } from './http/listener-resource.guard';
import { MatrixExceptionFilter } from './http/matrix-exception.filter';
import { MatrixValidationPipe } from './http/matrix-validation.pipe';
import { RateLimitGuard } from './http/rate-limit.guard';
import { RateLimiter } from './http/rate-limiter.service';
import { HealthController } from './observability/health.controller';
import { loggerFor } from './observability/logger';
import { MetricsController } from './observability/metrics.controller';
import { HOMESERVER_CONFIG, LOGGER } from './tokens';

/**
 * What every app's root module imports: config and logger tokens, the rate limiter, and the
 * request pipeline (guards in the order resource → auth → rate limit, validation, error filter).
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(config: HomeserverConfig): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: HOMESERVER_CONFIG, useValue: config },
        { provide: LOGGER, useFactory: () => loggerFor(config) },
        { provide: RateLimiter, useFactory: () => new RateLimiter() },
        { provide: APP_GUARD, useClass: ListenerResourceGuard },
        { provide: APP_GUARD, useClass: AccessTokenGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_PIPE, useClass: MatrixValidationPipe },
        { provide: APP_FILTER, useClass: MatrixExceptionFilter },
      ],
      exports: [HOMESERVER_CONFIG, LOGGER, RateLimiter],
    };
  }
}
