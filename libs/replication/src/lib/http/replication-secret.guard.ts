import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { MatrixError } from '@chat/protocol';
import type { Request } from 'express';
import {
  REPLICATION_HTTP_SETTINGS,
  type ReplicationHttpSettings,
} from './replication-http.settings';
import { replicationSecretProblem } from './replication-secret';

/** `Authorization: Bearer <worker_replication_secret>` on every replication request (§6.2). */
@Injectable()
export class ReplicationSecretGuard implements CanActivate {
  constructor(
    @Inject(REPLICATION_HTTP_SETTINGS) private readonly settings: ReplicationHttpSettings,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    // headersDistinct: `req.headers` keeps only the first of repeated Authorization headers.
    const problem = replicationSecretProblem(
      req.headersDistinct['authorization'],
      this.settings.secret,
    );
    if (problem) throw MatrixError.forbidden(problem);
    return true;
  }
}
