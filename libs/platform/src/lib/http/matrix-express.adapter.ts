import { HttpStatus } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';

/** Nest's default for POST is 201; the Matrix APIs answer every success with 200. */
const matrixStatus = (status: number): number =>
  status === HttpStatus.CREATED ? HttpStatus.OK : status;

export class MatrixExpressAdapter extends ExpressAdapter {
  override status(response: unknown, statusCode: number): unknown {
    return super.status(response, matrixStatus(statusCode));
  }

  override reply(response: unknown, body: unknown, statusCode?: number): unknown {
    return super.reply(
      response,
      body,
      statusCode === undefined ? undefined : matrixStatus(statusCode),
    );
  }
}
