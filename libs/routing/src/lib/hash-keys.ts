/**
 * Where the sticky pools' hash keys come from (replication.md §8.2), as regex sources both
 * generators embed. Each has one capture group, named so that nginx can use it in a `map`.
 */

/**
 * The localpart in an access token. Tokens are `cht_<base64url localpart>_<alphanumeric random>`
 * (libs/handlers AccessTokenService); base64url may itself contain `_`, so the localpart runs to
 * the last `_`, which the greedy group finds.
 */
export const TOKEN_LOCALPART = 'cht_(?<chat_token_localpart>[A-Za-z0-9_-]+)_[A-Za-z0-9]+$';

/** The sending server in `Authorization: X-Matrix origin="…",…` (quoted or not). */
export const XMATRIX_ORIGIN = '[ ,]origin="?(?<chat_xmatrix_origin>[^",]+)';

/** The room id segment after `/rooms/`. */
export const PATH_ROOM = '/rooms/(?<chat_path_room>[^/]+)';
