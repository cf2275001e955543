import type { ServerResponse } from 'node:http';
import { MatrixError } from '@chat/protocol';

/** Writes a Matrix error as the response, with its extra headers and `application/json`. */
export function writeMatrixError(res: ServerResponse, error: MatrixError): void {
  const body = JSON.stringify(error.toJSON());
  res.statusCode = error.status;
  for (const [name, value] of Object.entries(error.headers)) {
    res.setHeader(name, value);
  }
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
