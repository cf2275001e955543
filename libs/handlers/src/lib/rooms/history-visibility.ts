/** `m.room.history_visibility` values; an absent or unknown value means `shared`. */
export type HistoryVisibility = 'world_readable' | 'shared' | 'invited' | 'joined';

export function parseHistoryVisibility(
  content: Record<string, unknown> | undefined,
): HistoryVisibility {
  const value = content?.['history_visibility'];
  return value === 'world_readable' || value === 'invited' || value === 'joined' ? value : 'shared';
}

const PERMISSIVENESS: readonly HistoryVisibility[] = [
  'joined',
  'invited',
  'shared',
  'world_readable',
];

export function morePermissive(a: HistoryVisibility, b: HistoryVisibility): HistoryVisibility {
  return PERMISSIVENESS.indexOf(a) >= PERMISSIVENESS.indexOf(b) ? a : b;
}

export interface VisibilityFacts {
  visibility: HistoryVisibility;
  /** The user's membership in the state after the event. */
  membershipAtEvent: string | null;
  /** The user's membership now. */
  currentMembership: string | null;
  /** The event is the user's own membership event. */
  ownMembershipEvent: boolean;
}

/**
 * Whether a user may see an event (spec client-server-api#history-visibility, Synapse's reading
 * where it is vague): world-readable events to everyone; a member sees what happened while joined
 * and their own membership changes; `invited` adds the time since their invite; `shared` adds
 * everything, but only while the user is currently joined.
 */
export function isEventVisible(facts: VisibilityFacts): boolean {
  if (facts.visibility === 'world_readable') return true;
  if (facts.ownMembershipEvent) return true;
  if (facts.membershipAtEvent === 'join') return true;
  switch (facts.visibility) {
    case 'invited':
      return facts.membershipAtEvent === 'invite';
    case 'shared':
      return facts.currentMembership === 'join';
    default:
      return false;
  }
}
