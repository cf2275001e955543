import type { Express } from 'express';

/** The parts of an Express 5 router layer this module reads (not in Express's typings). */
interface RouterLayer {
  match(path: string): unknown;
  route?: { methods: Record<string, boolean> };
}

/**
 * Whether some registered route matches `path` for any method. Walks the Express router stack,
 * so it sees exactly what Nest registered (array paths, `:param` segments, wildcards).
 */
export function pathHasRoute(app: Express, path: string): boolean {
  const stack = (app.router as unknown as { stack: RouterLayer[] }).stack;
  return stack.some((layer) => {
    if (!layer.route) {
      return false;
    }
    try {
      return Boolean(layer.match(path));
    } catch {
      // A malformed percent-encoding in a parameter fails decoding: no match.
      return false;
    }
  });
}
