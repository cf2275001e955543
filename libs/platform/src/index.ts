export * from './lib/tokens';
export * from './lib/auth/requester';
export {
  Public,
  OptionalAuth,
  AllowGuest,
  CurrentRequester,
  ClientIp,
} from './lib/auth/auth.decorators';
export { AccessTokenGuard } from './lib/auth/access-token.guard';
export { ApiResource } from './lib/http/api-resource.decorator';
export { RateLimit } from './lib/http/rate-limit.decorator';
export { RateLimiter } from './lib/http/rate-limiter.service';
export { ListenerResourceGuard } from './lib/http/listener-resource.guard';
export { RateLimitGuard } from './lib/http/rate-limit.guard';
export { MatrixExceptionFilter } from './lib/http/matrix-exception.filter';
export { MatrixValidationPipe } from './lib/http/matrix-validation.pipe';
export { writeMatrixError } from './lib/http/error-response';
export {
  requestContext,
  type RequestContext,
  type ListenerContext,
} from './lib/http/request-context';
export { createLogger, PinoNestLogger } from './lib/observability/logger';
export { HealthController } from './lib/observability/health.controller';
export { MetricsController } from './lib/observability/metrics.controller';
export { PlatformModule } from './lib/platform.module';
export { bootstrapHttp, type BootstrapHttpOptions, type RunningHttp } from './lib/bootstrap-http';
export { isPublicPath, routesOwnedBy, type RouteOwnership } from './lib/http/route-ownership';
export { launchApp, type LaunchOptions } from './lib/launch/launch-app';
export { loadAppConfig } from './lib/launch/app-config';
export { StartRefusedError } from './lib/launch/start-refused.error';
export { MAX_JSON_DEPTH } from './lib/http/body.middleware';
