import { MatrixError } from '@chat/protocol';

/** Typed reads of optional fields from a request body that UIA may have replayed from storage. */
export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw MatrixError.badJson(`${key} must be a string`);
  return value;
}

export function optionalBoolean(body: Record<string, unknown>, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw MatrixError.badJson(`${key} must be a boolean`);
  return value;
}
