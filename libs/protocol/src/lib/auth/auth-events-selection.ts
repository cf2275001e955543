import { isObject } from '../events/redaction';
import type { RoomVersion } from '../events/room-versions';
import { stateMapKey } from '../events/state-map';

export interface AuthSelectable {
  type: string;
  sender: string;
  stateKey?: string;
  content: Record<string, unknown>;
}

/**
 * The (type, state_key) entries an event cites in `auth_events` (protocol.md §3.1): create (not
 * in v12), power levels, the sender's membership, and for memberships the target's, the join rules,
 * the third-party invite and the restricted-join authoriser's membership.
 */
export function authEventKeys(
  event: AuthSelectable,
  version: RoomVersion,
): Array<[string, string]> {
  if (event.type === 'm.room.create') return [];
  const keys: Array<[string, string]> = [];
  if (!version.createNotInAuthEvents) keys.push(['m.room.create', '']);
  keys.push(['m.room.power_levels', ''], ['m.room.member', event.sender]);
  if (event.type === 'm.room.member') {
    const { content } = event;
    const membership = content['membership'];
    if (event.stateKey !== undefined) keys.push(['m.room.member', event.stateKey]);
    if (membership === 'join' || membership === 'invite' || membership === 'knock') {
      keys.push(['m.room.join_rules', '']);
    }
    const invite = content['third_party_invite'];
    if (membership === 'invite' && isObject(invite) && isObject(invite['signed'])) {
      const token = invite['signed']['token'];
      if (typeof token === 'string') keys.push(['m.room.third_party_invite', token]);
    }
    const authoriser = content['join_authorised_via_users_server'];
    if (membership === 'join' && version.restricted && typeof authoriser === 'string') {
      keys.push(['m.room.member', authoriser]);
    }
  }
  // The sender may be the target or the authoriser: cite each entry once.
  return [...new Map(keys.map((entry) => [stateMapKey(...entry), entry])).values()];
}
