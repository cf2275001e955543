import { Logger } from '@nestjs/common';
import { MatrixError } from '@chat/protocol';
import type { ReplicationDataHandler } from '../core/replication-data.handler';
import type { StreamRegistry } from '../core/stream-registry';

/** A caller's `_INT_STREAM_POS`: its positions on the streams it writes, and its name. */
export interface CallerPositions {
  streams: Record<string, number>;
  instance_name: string;
}

/** The positions of the streams this process writes: what it piggybacks on calls and replies. */
export class LocalStreamPositions {
  constructor(
    private readonly registry: StreamRegistry,
    private readonly instanceName: string,
  ) {}

  current(): Record<string, number> {
    return Object.fromEntries(
      this.registry
        .writtenBy(this.instanceName)
        .map((stream) => [stream.name, stream.minimalLocalCurrentToken()]),
    );
  }
}

/**
 * Read-your-writes across processes (§6.3): before a server handles a call, and before a caller
 * returns the reply, it waits until it has applied the other side's writes. Never longer than
 * the cap: a slow bus then costs staleness, not an outage.
 */
export class StreamPositionWaiter {
  private readonly logger = new Logger(StreamPositionWaiter.name);

  constructor(
    private readonly registry: StreamRegistry,
    private readonly data: ReplicationDataHandler,
    private readonly instanceName: string,
    private readonly capMs: number,
  ) {}

  /** `why` names the call in the warning logged when the cap is hit. */
  async waitFor(writer: string, positions: Record<string, number>, why: string): Promise<void> {
    if (writer === this.instanceName) return;
    // A stream this process does not replicate cannot make what it reads stale.
    const known = Object.entries(positions).filter(([stream]) => this.registry.get(stream));
    const reached = await Promise.all(
      known.map(([stream, token]) =>
        this.data.waitForStreamPosition(stream, writer, token, this.capMs),
      ),
    );
    const late = known.filter((_, i) => !reached[i]).map(([stream, token]) => `${stream}@${token}`);
    if (late.length > 0) {
      this.logger.warn(
        `${why}: went on after ${this.capMs} ms without ${writer}'s ${late.join(', ')}`,
      );
    }
  }
}

/** The caller's positions from a request body; a malformed value is the caller's bad JSON. */
export function parseCallerPositions(value: unknown): CallerPositions {
  const { streams, instance_name: instance } = isObject(value) ? value : {};
  const tokens = parseTokens(streams);
  if (typeof instance !== 'string' || instance === '' || !tokens) {
    throw MatrixError.badJson(
      '_INT_STREAM_POS must be {streams: {<stream>: <token>}, instance_name}',
    );
  }
  return { streams: tokens, instance_name: instance };
}

/** `{<stream>: <integer token>}`, or null when `value` is anything else. */
export function parseTokens(value: unknown): Record<string, number> | null {
  if (!isObject(value)) return null;
  const entries = Object.entries(value);
  return entries.every(([, token]) => Number.isSafeInteger(token))
    ? (Object.fromEntries(entries) as Record<string, number>)
    : null;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
