import type { RoomVersion } from './room-versions';

const TOP_LEVEL_V1 = [
  'event_id',
  'type',
  'room_id',
  'sender',
  'state_key',
  'content',
  'hashes',
  'signatures',
  'depth',
  'prev_events',
  'prev_state',
  'auth_events',
  'origin',
  'origin_server_ts',
  'membership',
];
const DROPPED_IN_V11 = new Set(['origin', 'membership', 'prev_state']);
const TOP_LEVEL_V11 = TOP_LEVEL_V1.filter((key) => !DROPPED_IN_V11.has(key));

const POWER_LEVEL_KEYS = [
  'ban',
  'events',
  'events_default',
  'kick',
  'redact',
  'state_default',
  'users',
  'users_default',
];

/** The content keys an event of `type` keeps when redacted in `version` (protocol.md §2.5). */
function keptContent(
  type: string,
  content: Record<string, unknown>,
  version: RoomVersion,
): Record<string, unknown> {
  const pick = (keys: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const key of keys) if (Object.hasOwn(content, key)) out[key] = content[key];
    return out;
  };
  switch (type) {
    case 'm.room.member': {
      const kept = pick(
        version.restrictedRedactionFix
          ? ['membership', 'join_authorised_via_users_server']
          : ['membership'],
      );
      const invite = content['third_party_invite'];
      if (version.updatedRedactionRules && isObject(invite)) {
        // Synapse keeps an empty object when `signed` is missing; the spec is silent.
        kept['third_party_invite'] = Object.hasOwn(invite, 'signed')
          ? { signed: invite['signed'] }
          : {};
      }
      return kept;
    }
    case 'm.room.create':
      return version.updatedRedactionRules ? { ...content } : pick(['creator']);
    case 'm.room.join_rules':
      return pick(version.restricted ? ['join_rule', 'allow'] : ['join_rule']);
    case 'm.room.power_levels':
      return pick(
        version.updatedRedactionRules ? [...POWER_LEVEL_KEYS, 'invite'] : POWER_LEVEL_KEYS,
      );
    case 'm.room.aliases':
      return version.specialCaseAliasesAuth ? pick(['aliases']) : {};
    case 'm.room.history_visibility':
      return pick(['history_visibility']);
    case 'm.room.redaction':
      return version.updatedRedactionRules ? pick(['redacts']) : {};
    default:
      return {};
  }
}

/**
 * The redaction algorithm: keep the version's top-level keys and the type's content keys; drop
 * `unsigned`. Used for hashing and signing, applying redactions, and serving redacted events.
 */
export function redactEvent<T extends Record<string, unknown>>(event: T, version: RoomVersion): T {
  const keys = version.updatedRedactionRules ? TOP_LEVEL_V11 : TOP_LEVEL_V1;
  const out: Record<string, unknown> = {};
  for (const key of keys) if (Object.hasOwn(event, key)) out[key] = event[key];
  const content = isObject(event['content']) ? event['content'] : {};
  out['content'] = keptContent(String(event['type']), content, version);
  return out as T;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
