import { MatrixError } from './matrix-error';

describe('MatrixError', () => {
  it('serialises to the standard error body with its extra keys', () => {
    const error = new MatrixError(403, 'M_FORBIDDEN', 'No.', { reason: 'x' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('MatrixError');
    expect(error.status).toBe(403);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      errcode: 'M_FORBIDDEN',
      error: 'No.',
      reason: 'x',
    });
  });

  it.each<[string, MatrixError, number, string]>([
    ['notJson', MatrixError.notJson(), 400, 'M_NOT_JSON'],
    ['badJson', MatrixError.badJson('bad'), 400, 'M_BAD_JSON'],
    ['missingParam', MatrixError.missingParam('p'), 400, 'M_MISSING_PARAM'],
    ['invalidParam', MatrixError.invalidParam('p'), 400, 'M_INVALID_PARAM'],
    ['forbidden', MatrixError.forbidden('f'), 403, 'M_FORBIDDEN'],
    ['notFound', MatrixError.notFound('n'), 404, 'M_NOT_FOUND'],
    ['unrecognized', MatrixError.unrecognized(), 404, 'M_UNRECOGNIZED'],
    ['unrecognized 405', MatrixError.unrecognized(405), 405, 'M_UNRECOGNIZED'],
    ['missingToken', MatrixError.missingToken(), 401, 'M_MISSING_TOKEN'],
    ['tooLarge', MatrixError.tooLarge(), 413, 'M_TOO_LARGE'],
    ['unknown', MatrixError.unknown('u'), 400, 'M_UNKNOWN'],
    ['unknown 500', MatrixError.unknown('u', 500), 500, 'M_UNKNOWN'],
  ])('%s has the right status and errcode', (_name, error, status, errcode) => {
    expect(error.status).toBe(status);
    expect(error.errcode).toBe(errcode);
    expect(error.toJSON()['errcode']).toBe(errcode);
  });

  it('marks unknown tokens with soft_logout', () => {
    expect(MatrixError.unknownToken().toJSON()).toEqual({
      errcode: 'M_UNKNOWN_TOKEN',
      error: 'Unrecognised access token.',
      soft_logout: false,
    });
    expect(MatrixError.unknownToken('gone', true).extra).toEqual({ soft_logout: true });
  });

  it('rate limits with retry_after_ms and a Retry-After header in whole seconds', () => {
    const error = MatrixError.limitExceeded(1500);
    expect(error.status).toBe(429);
    expect(error.toJSON()).toEqual({
      errcode: 'M_LIMIT_EXCEEDED',
      error: 'Too Many Requests',
      retry_after_ms: 1500,
    });
    expect(error.headers).toEqual({ 'Retry-After': '2' });
  });
});
