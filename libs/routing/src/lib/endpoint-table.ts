import {
  REPLICATION_PATH_PREFIX,
  apiPattern,
  clientPattern,
  federationPattern,
  serverPattern,
} from './route-patterns';

/**
 * Which process answers which public path in worker mode: the seed's worker endpoint lists
 * (docs/workers.md) plus replication.md §8.1's stream-writer rows and later endpoints, as data.
 * The reverse-proxy generators render it; apps may later check it to refuse what they do not serve.
 */

/** Streams whose writes can live off main (the `stream_writers` keys). */
export type WriterStream =
  | 'events'
  | 'typing'
  | 'to_device'
  | 'account_data'
  | 'receipts'
  | 'presence'
  | 'push_rules'
  | 'device_lists';

/**
 * Who serves a route. `sso` is one process chosen by the operator (SSO sessions live in memory);
 * `writer:<stream>` is the stream's writers from `stream_writers`. No route names the events
 * writers: generic workers create events and forward them, so persisters see no client traffic.
 */
export type RouteOwner =
  | 'main'
  | 'generic_worker'
  | 'media_repository'
  | 'user_dir'
  | 'frontend_proxy'
  | 'sso'
  | `writer:${WriterStream}`;

/**
 * How a pool spreads requests (replication.md §8.2):
 * - `round_robin`: any process will do.
 * - `user`: one user's `/sync` and `/events` long-polls on one process (per-user caches and
 *   notifier state).
 * - `initial_sync`: hashed by user too, but on a separate pool when one is configured, so
 *   expensive initial syncs cannot starve incremental ones.
 * - `origin`: one remote server's federation transactions on one process (in-memory dedup,
 *   per-origin ordering); the X-Matrix origin, else the peer address.
 * - `room`: one room's pagination (and, by choice, its sends) on one process.
 * - `single`: exactly one process.
 */
export type RouteBalance = 'round_robin' | 'user' | 'initial_sync' | 'origin' | 'room' | 'single';

/**
 * The listener resource that serves a route; a process is reachable for it only through a
 * listener naming that resource. `keys` may also be served by a `federation` listener.
 */
export type RouteResource = 'client' | 'federation' | 'keys' | 'media';

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'OPTIONS' | 'PATCH';

export interface RouteEntry {
  /** A regex source over the request path (no query), anchored at the start. */
  readonly pattern: string;
  /** Only these methods; others go where the path would go without this entry's pattern group. */
  readonly methods?: readonly HttpMethod[];
  readonly owner: RouteOwner;
  readonly balance: RouteBalance;
  readonly resource: RouteResource;
  /** `/sync` without a `since` parameter is an initial sync (replication.md §8.2). */
  readonly initialSyncWithoutSince?: true;
  /** The seed's frontend_proxy presence stub stands in only when `use_presence` is false. */
  readonly onlyWithoutPresence?: true;
}

/** Reads that generic workers answer while writes of the same path go to a stream writer. */
const READS: readonly HttpMethod[] = ['GET', 'HEAD'];
const WRITES: readonly HttpMethod[] = ['PUT', 'POST', 'DELETE'];

function rows(
  shape: Omit<RouteEntry, 'pattern'>,
  patterns: readonly string[],
): readonly RouteEntry[] {
  return patterns.map((pattern) => ({ pattern, ...shape }));
}

const client = (owner: RouteOwner, balance: RouteBalance, methods?: readonly HttpMethod[]) =>
  ({ owner, balance, resource: 'client', ...(methods ? { methods } : {}) }) as const;

/**
 * Device and key endpoints. Synapse: any worker can handle them, but they should go straight to
 * a `device_lists` writer when there is one; otherwise generic workers (or the frontend_proxy for
 * `keys/upload`) take them and forward the writes.
 */
const DEVICE_LIST_PATHS = [
  clientPattern('legacy', 'delete_devices$'),
  clientPattern('legacy', 'devices(?:/|$)'),
  clientPattern('legacy', 'keys/upload'),
  clientPattern('legacy', 'keys/device_signing/upload$'),
  clientPattern('legacy', 'keys/signatures/upload$'),
];

/**
 * Paths whose writes a stream writer owns and whose reads generic workers answer (two entries,
 * one pattern). Tighter than Synapse's (`.*` then `tags`), so that a send whose transaction id
 * happens to be `tags` is not taken for one.
 */
const PUSH_RULES = clientPattern('legacy', 'pushrules(?:/|$)');
const ACCOUNT_DATA = clientPattern(
  'legacy',
  'user/[^/]+/(?:rooms/[^/]+/)?(?:tags|account_data)(?:/|$)',
);
const PRESENCE = clientPattern('legacy', 'presence/');

const SSO_ROWS = rows(client('sso', 'single'), [
  clientPattern('legacy', 'login/sso/redirect'),
  serverPattern('client/pick_idp$'),
  serverPattern('client/pick_username'),
  serverPattern('client/new_user_consent$'),
  serverPattern('client/sso_register$'),
  serverPattern('client/oidc/callback$'),
  serverPattern('client/saml2/authn_response$'),
  clientPattern('legacy', 'login/cas/ticket$'),
  // The user-interactive-auth fallback page runs an SSO flow too (replication.md §8.1).
  clientPattern('legacy', 'auth/.*/fallback/web$'),
]);

/** Media is served on `media` listeners, client- and federation-facing alike (seed). */
const MEDIA_PATHS = [
  apiPattern('media/'),
  clientPattern('v1', 'media/'),
  federationPattern(['v1'], 'media/'),
];

const MEDIA_ROWS = rows({ owner: 'media_repository', balance: 'round_robin', resource: 'media' }, [
  ...MEDIA_PATHS,
  serverPattern('admin/v1/purge_media_cache$'),
  serverPattern('admin/v1/room/.*/media.*$'),
  serverPattern('admin/v1/user/.*/media.*$'),
  serverPattern('admin/v1/media/.*$'),
  serverPattern('admin/v1/quarantine_media/.*$'),
  serverPattern('admin/v1/users/.*/media$'),
]);

const USER_DIRECTORY_SEARCH = clientPattern('legacy', 'user_directory/search$');

const SYNC_ROWS: readonly RouteEntry[] = [
  // The seed also lists v2_alpha/sync; the router serves no v2_alpha path, so main answers 404.
  {
    ...client('generic_worker', 'user'),
    pattern: clientPattern('current', 'sync$'),
    initialSyncWithoutSince: true,
  },
  ...rows(client('generic_worker', 'user'), [clientPattern('legacy', 'events$')]),
  ...rows(client('generic_worker', 'initial_sync'), [
    clientPattern('legacy', 'initialSync$'),
    clientPattern('legacy', 'rooms/[^/]+/initialSync$'),
  ]),
];

const federation = (balance: RouteBalance, methods?: readonly HttpMethod[]) =>
  ({
    owner: 'generic_worker',
    balance,
    resource: 'federation',
    ...(methods ? { methods } : {}),
  }) as const;

const FEDERATION_ROWS: readonly RouteEntry[] = [
  ...rows(federation('round_robin'), [
    federationPattern(['v1'], 'version$'),
    federationPattern(['v1'], 'event/'),
    federationPattern(['v1'], 'state/'),
    federationPattern(['v1'], 'state_ids/'),
    federationPattern(['v1'], 'backfill/'),
    federationPattern(['v1'], 'get_missing_events/'),
    federationPattern(['v1'], 'publicRooms'),
    federationPattern(['v1'], 'query/'),
    federationPattern(['v1'], 'make_join/'),
    federationPattern(['v1'], 'make_leave/'),
    federationPattern(['v1', 'v2'], 'send_join/'),
    federationPattern(['v1', 'v2'], 'send_leave/'),
    federationPattern(['v1'], 'make_knock/'),
    federationPattern(['v1'], 'send_knock/'),
    federationPattern(['v1', 'v2'], 'invite/'),
    federationPattern(['v1'], 'query_auth/'),
    federationPattern(['v1'], 'event_auth/'),
    federationPattern(['v1'], 'timestamp_to_event/'),
    federationPattern(['v1'], 'exchange_third_party_invite/'),
    federationPattern(['v1'], 'user/devices/'),
    federationPattern(['v1'], 'get_groups_publicised$'),
    federationPattern(['v1'], 'hierarchy/'),
  ]),
  {
    owner: 'generic_worker',
    balance: 'round_robin',
    resource: 'keys',
    pattern: apiPattern('key/v2/query'),
  },
  ...rows(federation('round_robin', READS), [federationPattern(['v1'], 'groups/')]),
  ...rows(federation('origin'), [federationPattern(['v1'], 'send/')]),
];

const CLIENT_READ_ROWS = rows(client('generic_worker', 'round_robin'), [
  clientPattern('legacy', 'createRoom$'),
  clientPattern('legacy', 'publicRooms$'),
  clientPattern('legacy', 'rooms/.*/joined_members$'),
  clientPattern('legacy', 'rooms/.*/context/.*$'),
  clientPattern('legacy', 'rooms/.*/members$'),
  clientPattern('legacy', 'rooms/.*/state$'),
  clientPattern('v1', 'rooms/.*/hierarchy$'),
  clientPattern('v1', 'rooms/.*/relations/'),
  clientPattern('v1', 'rooms/.*/threads$'),
  clientPattern('v1', 'room_summary/.*$'),
  clientPattern('legacy', 'account/3pid$'),
  clientPattern('current', 'account/whoami$'),
  clientPattern('current', 'account/deactivate$'),
  ...DEVICE_LIST_PATHS,
  clientPattern('unversioned', 'versions$'),
  clientPattern('legacy', 'voip/turnServer$'),
  clientPattern('legacy', 'rooms/.*/event/'),
  clientPattern('legacy', 'joined_rooms$'),
  clientPattern('v1', 'rooms/.*/timestamp_to_event$'),
  clientPattern('legacy', 'rooms/.*/aliases'),
  clientPattern('legacy', 'search$'),
  clientPattern('legacy', 'user/.*/filter(?:/|$)'),
  clientPattern('legacy', 'directory/room/.*$'),
  clientPattern('current', 'capabilities$'),
  clientPattern('legacy', 'notifications$'),
  clientPattern('legacy', 'keys/query$'),
  clientPattern('legacy', 'keys/changes$'),
  clientPattern('legacy', 'keys/claim$'),
  clientPattern('legacy', 'room_keys/'),
  USER_DIRECTORY_SEARCH,
  // Seed era (groups were removed from the spec; kept so seed deployments route as documented).
  clientPattern('legacy', 'joined_groups$'),
  clientPattern('legacy', 'publicised_groups$'),
  clientPattern('legacy', 'publicised_groups/'),
  serverPattern('admin/v1/rooms/[^/]+$'),
]);

/** Reads of paths whose writes belong to a stream writer (or main) go to generic workers. */
const CLIENT_GET_ONLY_ROWS = rows(client('generic_worker', 'round_robin', READS), [
  PUSH_RULES,
  ACCOUNT_DATA,
  PRESENCE,
  serverPattern('admin/v2/users/[^/]+$'),
]);

const LOGIN_ROWS = rows(client('generic_worker', 'round_robin'), [
  clientPattern('legacy', 'login$'),
  clientPattern('current', 'register$'),
  clientPattern('current', 'register/available$'),
  clientPattern('v1', 'register/m\\.login\\.registration_token/validity$'),
  clientPattern('current', 'password_policy$'),
]);

/**
 * Event creation, hashed by the room after `/rooms/` for state-cache locality (a dedicated pool
 * for a busy bridge is an operator's variation); paths without a room id go round robin.
 */
const EVENT_SENDING_ROWS: readonly RouteEntry[] = [
  ...rows(client('generic_worker', 'room'), [
    clientPattern('legacy', 'rooms/.*/redact'),
    clientPattern('legacy', 'rooms/.*/send'),
    clientPattern('legacy', 'rooms/.*/state/'),
    clientPattern('legacy', 'rooms/.*/(?:join|invite|leave|ban|unban|kick)$'),
  ]),
  ...rows(client('generic_worker', 'round_robin'), [
    clientPattern('legacy', 'join/'),
    clientPattern('current', 'knock/'),
    clientPattern('legacy', 'profile/'),
  ]),
];

/** Pagination keeps backfill state per process: one room, one process (seed). */
const PAGINATION_ROWS = rows(client('generic_worker', 'room'), [
  clientPattern('legacy', 'rooms/.*/messages$'),
]);

/** Everything else under the public prefixes: main, which serves every endpoint. */
const MAIN_API_ROW: RouteEntry = { ...client('main', 'single'), pattern: apiPattern('') };

/** Main's rows, per resource so that main is reached on the listener serving it. */
const MAIN_ROWS: readonly RouteEntry[] = [
  ...rows({ owner: 'main', balance: 'single', resource: 'media' }, MEDIA_PATHS),
  ...rows({ owner: 'main', balance: 'single', resource: 'federation' }, [
    apiPattern('federation/'),
  ]),
  ...rows({ owner: 'main', balance: 'single', resource: 'keys' }, [apiPattern('key/')]),
  MAIN_API_ROW,
  ...rows(client('main', 'single'), [
    // The lookahead keeps replication out even where a proxy lacks the explicit 404 rule.
    serverPattern('(?!replication)'),
    '^/\\.well-known/matrix/',
  ]),
];

/** The public surface: paths outside every one of these are not proxied at all. */
export const PUBLIC_PATTERNS: readonly string[] = MAIN_ROWS.map((row) => row.pattern);

/**
 * The table, first match wins (as nginx regex locations and HAProxy `use_backend` rules do).
 * Order matters where patterns overlap:
 * - SSO, media and the user directory before generic workers, which list some of the same
 *   paths (`user_directory/search`) for deployments without those workers.
 * - Device-list writers before the frontend_proxy and generic workers (same paths): a dedicated
 *   writer takes device writes directly.
 * - The frontend_proxy's presence stub before the presence rows (its pattern is narrower).
 */
export const ENDPOINT_TABLE: readonly RouteEntry[] = [
  ...SSO_ROWS,
  ...MEDIA_ROWS,
  ...rows(client('user_dir', 'round_robin'), [USER_DIRECTORY_SEARCH]),
  ...rows(client('writer:device_lists', 'round_robin'), DEVICE_LIST_PATHS),
  ...rows(client('frontend_proxy', 'round_robin'), [clientPattern('legacy', 'keys/upload')]),
  {
    ...client('frontend_proxy', 'round_robin'),
    pattern: clientPattern('legacy', 'presence/[^/]+/status'),
    onlyWithoutPresence: true,
  },
  ...rows(client('writer:typing', 'single'), [clientPattern('legacy', 'rooms/[^/]+/typing/')]),
  ...rows(client('writer:to_device', 'single'), [clientPattern('current', 'sendToDevice/')]),
  ...rows(client('writer:account_data', 'single', WRITES), [ACCOUNT_DATA]),
  ...rows(client('writer:receipts', 'round_robin'), [
    clientPattern('legacy', 'rooms/[^/]+/receipt/'),
    clientPattern('current', 'rooms/[^/]+/read_markers$'),
  ]),
  ...rows(client('writer:presence', 'single', WRITES), [PRESENCE]),
  ...rows(client('writer:push_rules', 'single', WRITES), [PUSH_RULES]),
  ...SYNC_ROWS,
  ...FEDERATION_ROWS,
  ...CLIENT_READ_ROWS,
  ...CLIENT_GET_ONLY_ROWS,
  ...LOGIN_ROWS,
  ...EVENT_SENDING_ROWS,
  ...PAGINATION_ROWS,
  ...MAIN_ROWS,
];

/** The entries that share one pattern, in table order: one nginx location, one HAProxy ACL. */
export interface RouteLocation {
  readonly pattern: string;
  readonly entries: readonly RouteEntry[];
}

/** Groups entries by pattern; a location sits where its pattern first appears. */
export function routeLocations(entries: readonly RouteEntry[]): RouteLocation[] {
  const byPattern = new Map<string, RouteEntry[]>();
  for (const entry of entries) {
    const group = byPattern.get(entry.pattern);
    if (group) group.push(entry);
    else byPattern.set(entry.pattern, [entry]);
  }
  return [...byPattern].map(([pattern, group]) => ({ pattern, entries: group }));
}

const compiled = new Map<string, RegExp>();

export function patternMatches(pattern: string, path: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(pattern);
    compiled.set(pattern, regex);
  }
  return regex.test(path);
}

export type Presence = (entry: RouteEntry) => boolean;

/** Every owner has a process and presence is on (the server's default). */
const everyOwner: Presence = (entry) => !entry.onlyWithoutPresence;

/** Main's row for a resource: where a location sends the methods none of its entries take. */
function mainRouteFor(resource: RouteResource, present: Presence): RouteEntry {
  return MAIN_ROWS.find((entry) => entry.resource === resource && present(entry)) ?? MAIN_API_ROW;
}

/** How a location picks an entry: the first method-restricted one that allows the method. */
export interface LocationDispatch {
  readonly byMethod: ReadonlyArray<RouteEntry & { readonly methods: readonly HttpMethod[] }>;
  /** For every other method: the location's first unrestricted entry, else main's row. */
  readonly general: RouteEntry;
}

/**
 * Entries after the first unrestricted one are never reached. Main's row goes by the location's
 * resource rather than by path, so that generated configs can name it per location.
 */
export function dispatchOf(
  location: RouteLocation,
  present: Presence = everyOwner,
): LocationDispatch {
  const first = location.entries.findIndex((entry) => entry.methods === undefined);
  // Every entry before the first unrestricted one has methods.
  const byMethod = location.entries.slice(
    0,
    first < 0 ? undefined : first,
  ) as LocationDispatch['byMethod'];
  if (first >= 0) return { byMethod, general: location.entries[first] };
  return { byMethod, general: mainRouteFor(location.entries[0].resource, present) };
}

/** The locations a deployment's presence leaves, built once per `present` (routing runs per request). */
const locationsByPresence = new WeakMap<Presence, RouteLocation[]>();

function locationsFor(present: Presence): RouteLocation[] {
  let locations = locationsByPresence.get(present);
  if (!locations) {
    locations = routeLocations(ENDPOINT_TABLE.filter(present));
    locationsByPresence.set(present, locations);
  }
  return locations;
}

/**
 * The entry that serves `method path` (a query string is ignored), or `undefined` for paths the
 * proxy must not pass on at all: `/_chat/replication/…` and anything outside the public APIs.
 * The first location whose pattern matches decides; within it, the first entry allowing the
 * method, else main. `present` drops entries whose owner has no process in a deployment (see
 * `routeIn`); by default every owner is present and presence is on.
 */
export function routeFor(
  method: string,
  path: string,
  present: Presence = everyOwner,
): RouteEntry | undefined {
  const bare = path.split('?', 1)[0];
  if (bare.startsWith(REPLICATION_PATH_PREFIX)) return undefined;
  const location = locationsFor(present).find((candidate) =>
    patternMatches(candidate.pattern, bare),
  );
  if (!location) return undefined;
  const { byMethod, general } = dispatchOf(location, present);
  const upper = method.toUpperCase();
  return byMethod.find((entry) => (entry.methods as readonly string[]).includes(upper)) ?? general;
}
