import { TokenError } from './token-error';

/** Instance id (the small integer in `m5~2.58`) → instance name; unknown ids give null. */
export type InstanceNameLookup = (
  instanceId: number,
) => string | null | undefined | Promise<string | null | undefined>;

/** Instance name → instance id, allocating one on first use. */
export type InstanceIdLookup = (instanceName: string) => number | Promise<number>;

/** Rows written before multi-writer support carry no instance; they count as the main process's. */
export const LEGACY_ROW_WRITER = 'main';

/**
 * A stream position as a vector clock (replication.md §5.5): every writer is at `min` or beyond,
 * and `writers` lists only those strictly ahead of it, which keeps tokens short. `Self` is the
 * concrete token type, so the operations return the caller's own kind.
 */
export abstract class MultiWriterToken<Self extends MultiWriterToken<Self>> {
  protected constructor(
    readonly min: number,
    readonly writers: ReadonlyMap<string, number>,
  ) {
    for (const [writer, pos] of writers) {
      if (!(pos > min)) {
        throw new TokenError(`position ${pos} of writer ${writer} is not above the minimum ${min}`);
      }
    }
  }

  /** The same kind of token with other positions; entries must already be above `min`. */
  protected abstract withPositions(min: number, writers: ReadonlyMap<string, number>): Self;

  posFor(writer: string): number {
    return this.writers.get(writer) ?? this.min;
  }

  maxPos(): number {
    return Math.max(this.min, ...this.writers.values());
  }

  /** Notifier release test: a row at `(writer, pos)` is visible at this token. */
  covers(writer: string, pos: number): boolean {
    return pos <= this.posFor(writer);
  }

  isBeforeOrEq(other: MultiWriterToken<Self>): boolean {
    if (this.min > other.min) return false;
    for (const writer of new Set([...this.writers.keys(), ...other.writers.keys()])) {
      if (this.posFor(writer) > other.posFor(writer)) return false;
    }
    return true;
  }

  /** Component-wise maximum. */
  copyAndAdvance(other: MultiWriterToken<Self>): Self {
    const min = Math.max(this.min, other.min);
    const writers = new Set([...this.writers.keys(), ...other.writers.keys()]);
    return this.withPositions(
      min,
      aboveMin(
        min,
        [...writers].map((writer) => [writer, Math.max(this.posFor(writer), other.posFor(writer))]),
      ),
    );
  }

  /** Clamps every position to `maxStream`: a client cannot hold a token from the future. */
  bound(maxStream: number): Self {
    const min = Math.min(this.min, maxStream);
    return this.withPositions(
      min,
      aboveMin(
        min,
        [...this.writers].map(([writer, pos]) => [writer, Math.min(pos, maxStream)]),
      ),
    );
  }

  /** `prefix<min>` when no writer is ahead, else `m<min>~<id>.<pos>…` ordered by instance id. */
  protected async serializePositions(prefix: string, idFor: InstanceIdLookup): Promise<string> {
    if (this.writers.size === 0) return `${prefix}${this.min}`;
    const entries: Array<[number, number]> = [];
    for (const [writer, pos] of this.writers) entries.push([await idFor(writer), pos]);
    entries.sort(([a], [b]) => a - b);
    return `m${this.min}${entries.map(([id, pos]) => `~${id}.${pos}`).join('')}`;
  }
}

/**
 * Row-in-range test for `(low, high]` (exclusive low, inclusive high). Queries fetch
 * `low.min < id <= high.maxPos()` and filter with this, since each writer has its own bounds.
 */
export function isRowInRange<T extends MultiWriterToken<T>>(
  low: MultiWriterToken<T>,
  high: MultiWriterToken<T>,
  writer: string | null,
  pos: number,
): boolean {
  const instance = writer ?? LEGACY_ROW_WRITER;
  return pos > low.posFor(instance) && pos <= high.posFor(instance);
}

/** Keeps only positions strictly above `min`, the invariant of every multi-writer token. */
export function aboveMin(
  min: number,
  positions: Iterable<readonly [string, number]>,
): Map<string, number> {
  const writers = new Map<string, number>();
  for (const [writer, pos] of positions) {
    if (pos > min) writers.set(writer, pos);
  }
  return writers;
}

/** A non-negative decimal integer, as every position in a token is. */
export function parsePosition(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new TokenError(`invalid ${what}: ${JSON.stringify(text)}`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new TokenError(`${what} out of range: ${text}`);
  return value;
}

/**
 * Parses the body of an `m` token (everything after the `m`): `<min>~<id>.<pos>~…`. An empty
 * trailing part (`m5~`) was emitted by an old Synapse bug and is still accepted.
 */
export async function parseWriterPositions(
  body: string,
  nameFor: InstanceNameLookup,
): Promise<{ min: number; writers: Map<string, number> }> {
  const parts = body.split('~');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const min = parsePosition(parts[0], 'minimum position');
  const writers = new Map<string, number>();
  for (const part of parts.slice(1)) {
    const dot = part.indexOf('.');
    if (dot < 0) throw new TokenError(`invalid writer entry ${JSON.stringify(part)}`);
    const id = parsePosition(part.slice(0, dot), 'instance id');
    const pos = parsePosition(part.slice(dot + 1), 'writer position');
    const name = await nameFor(id);
    if (name === null || name === undefined) throw new TokenError(`unknown instance id ${id}`);
    if (writers.has(name)) throw new TokenError(`instance ${id} appears twice`);
    if (pos <= min) throw new TokenError(`position ${pos} of instance ${id} is not above ${min}`);
    writers.set(name, pos);
  }
  return { min, writers };
}
