/**
 * Room versions as data: one record of flags per version, so the event format, redaction, auth
 * rules and state resolution stay single implementations (protocol.md §2.1, §3.4).
 */
export interface RoomVersion {
  readonly id: string;
  /** `v1` = `$opaque:domain` in the PDU; `v3` = std base64 reference hash; `v4` = URL-safe. */
  readonly eventIdFormat: 'v1' | 'v3' | 'v4';
  readonly stateRes: 'v1' | 'v2' | 'v2.1';
  readonly enforceKeyValidity: boolean;
  /** v1–v5: the `m.room.aliases` auth rule and redaction keep `aliases`. */
  readonly specialCaseAliasesAuth: boolean;
  readonly strictCanonicalJson: boolean;
  readonly notificationsInPowerLevels: boolean;
  readonly knock: boolean;
  readonly restricted: boolean;
  /** v9+: redaction keeps `join_authorised_via_users_server`. */
  readonly restrictedRedactionFix: boolean;
  readonly knockRestricted: boolean;
  readonly integerPowerLevels: boolean;
  /** v11+: create has no `creator`; the create `sender` is the creator. */
  readonly implicitCreator: boolean;
  readonly updatedRedactionRules: boolean;
  readonly redactsInContent: boolean;
  /** v1–v2: redactions are authorised by their own auth rule. */
  readonly redactionAuthRule: boolean;
  /** v1–v5 tolerate float power levels; v1–v9 integer strings. */
  readonly floatPowerLevels: boolean;
  readonly creatorsInfinitePower: boolean;
  readonly roomIdIsCreateHash: boolean;
  readonly createNotInAuthEvents: boolean;
  /** Largest legal `depth`. */
  readonly maxDepth: number;
}

const V1: RoomVersion = {
  id: '1',
  eventIdFormat: 'v1',
  stateRes: 'v1',
  enforceKeyValidity: false,
  specialCaseAliasesAuth: true,
  strictCanonicalJson: false,
  notificationsInPowerLevels: false,
  knock: false,
  restricted: false,
  restrictedRedactionFix: false,
  knockRestricted: false,
  integerPowerLevels: false,
  implicitCreator: false,
  updatedRedactionRules: false,
  redactsInContent: false,
  redactionAuthRule: true,
  floatPowerLevels: true,
  creatorsInfinitePower: false,
  roomIdIsCreateHash: false,
  createNotInAuthEvents: false,
  // 2^63−1 does not fit a double; the largest safe integer is what JSON parsing can represent.
  maxDepth: Number.MAX_SAFE_INTEGER,
};
const V2: RoomVersion = { ...V1, id: '2', stateRes: 'v2' };
const V3: RoomVersion = { ...V2, id: '3', eventIdFormat: 'v3', redactionAuthRule: false };
const V4: RoomVersion = { ...V3, id: '4', eventIdFormat: 'v4' };
const V5: RoomVersion = { ...V4, id: '5', enforceKeyValidity: true };
const V6: RoomVersion = {
  ...V5,
  id: '6',
  specialCaseAliasesAuth: false,
  strictCanonicalJson: true,
  notificationsInPowerLevels: true,
  floatPowerLevels: false,
};
const V7: RoomVersion = { ...V6, id: '7', knock: true };
const V8: RoomVersion = { ...V7, id: '8', restricted: true };
const V9: RoomVersion = { ...V8, id: '9', restrictedRedactionFix: true };
const V10: RoomVersion = { ...V9, id: '10', knockRestricted: true, integerPowerLevels: true };
const V11: RoomVersion = {
  ...V10,
  id: '11',
  implicitCreator: true,
  updatedRedactionRules: true,
  redactsInContent: true,
};
const V12: RoomVersion = {
  ...V11,
  id: '12',
  stateRes: 'v2.1',
  creatorsInfinitePower: true,
  roomIdIsCreateHash: true,
  createNotInAuthEvents: true,
};

export const ROOM_VERSIONS: ReadonlyMap<string, RoomVersion> = new Map(
  [V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12].map((v) => [v.id, v]),
);

/** Versions new rooms may be created in (protocol.md §3.8); 1–5 only arrive with federation. */
export const CREATABLE_ROOM_VERSIONS: readonly string[] = ['6', '7', '8', '9', '10', '11', '12'];
export const DEFAULT_ROOM_VERSION = '12';

export function getRoomVersion(id: string): RoomVersion | undefined {
  return ROOM_VERSIONS.get(id);
}

/** 1–32 code points of `[a-z0-9.-]` (protocol.md §2.1). */
export function isValidRoomVersionId(id: unknown): id is string {
  return typeof id === 'string' && /^[a-z0-9.-]{1,32}$/.test(id);
}
