import type { InstanceIdLookup, InstanceNameLookup } from './multi-writer-token';
import { MultiWriterStreamToken } from './multi-writer-stream-token';
import { parsePosition } from './multi-writer-token';
import { RoomStreamToken } from './room-stream-token';
import { TokenError } from './token-error';

/**
 * The parts of a sync token, in wire order (replication.md §5.5). Append only: old tokens parse
 * with the missing trailing parts as 0, so a new key must never be inserted or reordered.
 */
export const STREAM_TOKEN_KEYS = [
  'room',
  'presence',
  'typing',
  'receipt',
  'account_data',
  'push_rules',
  'to_device',
  'device_list',
  'groups',
  'un_partial_stated_rooms',
  'thread_subscriptions',
  'sticky_events',
  'quarantined_media',
] as const;

export type StreamKey = (typeof STREAM_TOKEN_KEYS)[number];
export type MultiWriterStreamKey = 'receipt' | 'device_list' | 'quarantined_media';
export type IntStreamKey = Exclude<StreamKey, 'room' | MultiWriterStreamKey>;

export type StreamTokenParts = { room: RoomStreamToken } & {
  [K in MultiWriterStreamKey]: MultiWriterStreamToken;
} & { [K in IntStreamKey]: number };

const SEPARATOR = '_';

/** How one kind of part parses, prints and compares. */
interface PartKind<V> {
  zero: V;
  parse(text: string, nameFor: InstanceNameLookup): V | Promise<V>;
  serialize(value: V, idFor: InstanceIdLookup): string | Promise<string>;
  max(a: V, b: V): V;
  isBeforeOrEq(a: V, b: V): boolean;
  bound(value: V, maxStream: number): V;
}

const INT: PartKind<number> = {
  zero: 0,
  parse: (text) => parsePosition(text, 'stream position'),
  serialize: (value) => String(value),
  max: Math.max,
  isBeforeOrEq: (a, b) => a <= b,
  bound: Math.min,
};

const ROOM: PartKind<RoomStreamToken> = {
  zero: RoomStreamToken.ZERO,
  parse: RoomStreamToken.parse,
  serialize: (value, idFor) => value.serialize(idFor),
  max: (a, b) => a.copyAndAdvance(b),
  isBeforeOrEq: (a, b) => a.isBeforeOrEq(b),
  bound: (value, maxStream) => value.bound(maxStream),
};

const MULTI_WRITER: PartKind<MultiWriterStreamToken> = {
  zero: MultiWriterStreamToken.ZERO,
  parse: MultiWriterStreamToken.parse,
  serialize: (value, idFor) => value.serialize(idFor),
  max: (a, b) => a.copyAndAdvance(b),
  isBeforeOrEq: (a, b) => a.isBeforeOrEq(b),
  bound: (value, maxStream) => value.bound(maxStream),
};

const KINDS: { [K in StreamKey]: PartKind<StreamTokenParts[K]> } = {
  room: ROOM,
  presence: INT,
  typing: INT,
  receipt: MULTI_WRITER,
  account_data: INT,
  push_rules: INT,
  to_device: INT,
  device_list: MULTI_WRITER,
  groups: INT,
  un_partial_stated_rooms: INT,
  thread_subscriptions: INT,
  sticky_events: INT,
  quarantined_media: MULTI_WRITER,
};

/** The composite `/sync` token: one position per stream, `_`-joined (e.g. `s72594_4483_1934_…`). */
export class StreamToken {
  static readonly ZERO = StreamToken.of({});

  private constructor(private readonly parts: Readonly<StreamTokenParts>) {}

  /** Missing parts are at 0. */
  static of(parts: Partial<StreamTokenParts>): StreamToken {
    const full: Partial<Record<StreamKey, unknown>> = {};
    for (const key of STREAM_TOKEN_KEYS) full[key] = parts[key] ?? KINDS[key].zero;
    return new StreamToken(full as StreamTokenParts);
  }

  static async parse(text: string, nameFor: InstanceNameLookup): Promise<StreamToken> {
    const texts = text.split(SEPARATOR);
    if (texts.length > STREAM_TOKEN_KEYS.length) {
      throw new TokenError(
        `stream token has ${texts.length} parts, at most ${STREAM_TOKEN_KEYS.length}`,
      );
    }
    const parts: Partial<Record<StreamKey, unknown>> = {};
    for (const [i, key] of STREAM_TOKEN_KEYS.entries()) {
      parts[key] = i < texts.length ? await KINDS[key].parse(texts[i], nameFor) : KINDS[key].zero;
    }
    return new StreamToken(parts as StreamTokenParts);
  }

  async serialize(idFor: InstanceIdLookup): Promise<string> {
    const texts: string[] = [];
    for (const key of STREAM_TOKEN_KEYS)
      texts.push(await serializePart(key, this.parts[key], idFor));
    return texts.join(SEPARATOR);
  }

  get<K extends StreamKey>(key: K): StreamTokenParts[K] {
    return this.parts[key];
  }

  /** This token with one part replaced. */
  with<K extends StreamKey>(key: K, value: StreamTokenParts[K]): StreamToken {
    return new StreamToken({ ...this.parts, [key]: value });
  }

  /**
   * Moves one part forward to `value`. Typing is replaced instead: it lives in memory and restarts
   * from 0 when its writer does, so a lower value is a reset, not a step back.
   */
  advance<K extends StreamKey>(key: K, value: StreamTokenParts[K]): StreamToken {
    if (key === 'typing') return this.with(key, value);
    return this.with(key, KINDS[key].max(this.parts[key], value));
  }

  /** Component-wise maximum. */
  copyAndAdvance(other: StreamToken): StreamToken {
    return this.map((key) => maxPart(key, this.parts[key], other.parts[key]));
  }

  isBeforeOrEq(other: StreamToken): boolean {
    return STREAM_TOKEN_KEYS.every((key) => partBeforeOrEq(key, this.parts[key], other.parts[key]));
  }

  /** Clamps each listed stream's part to its max allocated id; unlisted parts stay as they are. */
  bound(maxPerStream: Partial<Record<StreamKey, number>>): StreamToken {
    return this.map((key) => {
      const max = maxPerStream[key];
      return max === undefined ? this.parts[key] : boundPart(key, this.parts[key], max);
    });
  }

  private map(fn: (key: StreamKey) => unknown): StreamToken {
    const parts: Partial<Record<StreamKey, unknown>> = {};
    for (const key of STREAM_TOKEN_KEYS) parts[key] = fn(key);
    return new StreamToken(parts as StreamTokenParts);
  }
}

// Generic in K so each part is handled by its own kind without casts at the call sites.
function serializePart<K extends StreamKey>(
  key: K,
  value: StreamTokenParts[K],
  idFor: InstanceIdLookup,
): string | Promise<string> {
  return KINDS[key].serialize(value, idFor);
}

function maxPart<K extends StreamKey>(
  key: K,
  a: StreamTokenParts[K],
  b: StreamTokenParts[K],
): StreamTokenParts[K] {
  return KINDS[key].max(a, b);
}

function partBeforeOrEq<K extends StreamKey>(
  key: K,
  a: StreamTokenParts[K],
  b: StreamTokenParts[K],
): boolean {
  return KINDS[key].isBeforeOrEq(a, b);
}

function boundPart<K extends StreamKey>(
  key: K,
  value: StreamTokenParts[K],
  max: number,
): StreamTokenParts[K] {
  return KINDS[key].bound(value, max);
}
