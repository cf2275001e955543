/**
 * Wire names of every replication stream (replication.md §4.1). Producers, consumers, id
 * generators and tokens refer to streams through these constants only, never string literals.
 */
export const STREAM_NAMES = {
  events: 'events',
  backfill: 'backfill',
  presence: 'presence',
  presenceFederation: 'presence_federation',
  typing: 'typing',
  receipts: 'receipts',
  pushRules: 'push_rules',
  pushers: 'pushers',
  caches: 'caches',
  deviceLists: 'device_lists',
  toDevice: 'to_device',
  federation: 'federation',
  accountData: 'account_data',
  unPartialStatedRoom: 'un_partial_stated_room',
  unPartialStatedEvent: 'un_partial_stated_event',
  threadSubscriptions: 'thread_subscriptions',
  stickyEvents: 'sticky_events',
  quarantinedMedia: 'quarantined_media',
} as const;

export type StreamName = (typeof STREAM_NAMES)[keyof typeof STREAM_NAMES];

/**
 * Streams that every process writes (replication.md §4.1): they have no writer list, and their
 * positions are not persisted (a restarted process starts with empty caches).
 */
export function isWrittenByEveryProcess(stream: StreamName): boolean {
  return stream === STREAM_NAMES.caches;
}

const ALL_STREAM_NAMES: ReadonlySet<string> = new Set(Object.values(STREAM_NAMES));

export function isStreamName(name: string): name is StreamName {
  return ALL_STREAM_NAMES.has(name);
}
