import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Inject,
  NotFoundException,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { MatrixError } from '@chat/protocol';
import type { Express, Request, Response } from 'express';
import type { Logger } from 'pino';
import { throwError, type Observable } from 'rxjs';
import { LOGGER } from '../tokens';
import { writeMatrixError } from './error-response';
import { pathHasRoute } from './route-table';

const ERRCODE_BY_STATUS: Record<number, string> = {
  400: 'M_BAD_JSON',
  403: 'M_FORBIDDEN',
  404: 'M_UNRECOGNIZED',
  405: 'M_UNRECOGNIZED',
  413: 'M_TOO_LARGE',
  429: 'M_LIMIT_EXCEEDED',
};

/**
 * Turns every error into a Matrix error response: MatrixError as is, Nest's HttpExceptions by
 * status, and anything else into a logged 500 whose details never reach the client.
 */
@Catch()
export class MatrixExceptionFilter implements ExceptionFilter {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http') {
      // Microservice transports (the replication bus) answer errors their own way.
      return throwError(() => exception);
    }
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const error = this.toMatrixError(exception, req);
    if (res.headersSent) {
      this.logger.warn({ err: exception, path: req.path }, 'Error after the response started');
      res.end();
      return;
    }
    writeMatrixError(res, error);
  }

  private toMatrixError(exception: unknown, req: Request): MatrixError {
    if (exception instanceof MatrixError) {
      return exception;
    }
    if (exception instanceof NotFoundException && req.route === undefined) {
      // Nest's catch-all: no route matched this method; another method may match the path.
      const app = this.adapterHost.httpAdapter.getInstance<Express>();
      return pathHasRoute(app, req.path)
        ? MatrixError.unrecognized(405)
        : MatrixError.unrecognized();
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      return fromStatus(exception.getStatus(), exception.message);
    }
    this.logger.error(
      { err: exception, method: req.method, path: req.path },
      'Unhandled error while handling a request',
    );
    return MatrixError.unknown('Internal server error', 500);
  }
}

function fromStatus(status: number, message: string): MatrixError {
  if (status === 429) {
    return MatrixError.limitExceeded(1000);
  }
  return new MatrixError(status, ERRCODE_BY_STATUS[status] ?? 'M_UNKNOWN', message);
}
