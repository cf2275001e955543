import { isObject } from '../events/redaction';

/**
 * Splits a dot-separated property path (spec appendices#dot-separated-property-paths): `\.` and
 * `\\` stand for a literal dot and backslash; any other backslash is kept as-is.
 */
export function parsePropertyPath(path: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const char = path[i];
    const next = path[i + 1];
    if (char === '\\' && (next === '.' || next === '\\')) {
      current += next;
      i++;
    } else if (char === '.') {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/**
 * The value at `path` inside `root`, or undefined when a step is missing or not an object.
 * Own properties only, so `constructor` or `__proto__` in a path never reach the prototype.
 */
export function propertyAtPath(root: unknown, path: string): unknown {
  let value = root;
  for (const name of parsePropertyPath(path)) {
    if (!isObject(value) || !Object.hasOwn(value, name)) return undefined;
    value = value[name];
  }
  return value;
}
