import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ResourceName } from '@chat/config';
import { MatrixError } from '@chat/protocol';
import type { Request } from 'express';
import { API_RESOURCE } from './api-resource.decorator';
import { requestContext } from './request-context';

/** As in Synapse, every listener answers health checks whatever resources it names. */
const SERVED_EVERYWHERE: ReadonlySet<ResourceName> = new Set(['health']);

/**
 * A listener serves only the resources it names: `/_chat/replication` never on a public port,
 * public APIs never on the replication port. Other routes look unknown (404 M_UNRECOGNIZED).
 */
@Injectable()
export class ListenerResourceGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') {
      return true;
    }
    const { listener } = requestContext(context.switchToHttp().getRequest<Request>());
    const resource =
      this.reflector.getAllAndOverride<ResourceName | undefined>(API_RESOURCE, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'client';
    if (!listener || listener.resources.has(resource) || SERVED_EVERYWHERE.has(resource)) {
      return true;
    }
    throw MatrixError.unrecognized();
  }
}
