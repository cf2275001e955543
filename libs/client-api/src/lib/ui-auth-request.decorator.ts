import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

import type { UiAuthRequest } from '@chat/handlers';

/**
 * The method, path and JSON body of the request, which a user-interactive auth session is bound to.
 * Bodies stay raw objects here because a later stage may replay the body stored with the session.
 */
export const UiAuthRequestParam = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): UiAuthRequest => {
    const request = ctx.switchToHttp().getRequest<Request>();
    const body: unknown = request.body;
    return {
      method: request.method,
      uri: request.path,
      body:
        body && typeof body === 'object' && !Array.isArray(body)
          ? (body as Record<string, unknown>)
          : {},
    };
  },
);
