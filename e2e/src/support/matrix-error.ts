import { MatrixError } from 'matrix-js-sdk';

/** The rejection of `promise`, which must be a MatrixError. */
export async function matrixError(promise: Promise<unknown>): Promise<MatrixError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof MatrixError))
    throw new Error(`expected a MatrixError, got ${String(error)}`);
  return error;
}

/** How a request ended: 200 with its body, or the HTTP status and errcode of its MatrixError. */
export type Outcome<T> =
  | { status: 200; body: T; errcode?: undefined }
  | { status: number; errcode: string | undefined; body?: undefined };

export async function outcome<T>(promise: Promise<T>): Promise<Outcome<T>> {
  try {
    return { status: 200, body: await promise };
  } catch (err) {
    if (!(err instanceof MatrixError)) throw err;
    return { status: err.httpStatus ?? 0, errcode: err.errcode };
  }
}
