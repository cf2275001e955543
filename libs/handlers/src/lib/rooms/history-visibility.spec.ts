import {
  isEventVisible,
  morePermissive,
  parseHistoryVisibility,
  type VisibilityFacts,
} from './history-visibility';

const base: VisibilityFacts = {
  visibility: 'shared',
  membershipAtEvent: null,
  currentMembership: null,
  ownMembershipEvent: false,
};

describe('isEventVisible', () => {
  it.each([
    ['world_readable shows everything to anyone', { visibility: 'world_readable' }, true],
    [
      'a member at the event always sees it',
      { visibility: 'joined', membershipAtEvent: 'join' },
      true,
    ],
    [
      'joined hides events from before the join',
      { visibility: 'joined', currentMembership: 'join' },
      false,
    ],
    [
      'invited shows events since the invite',
      { visibility: 'invited', membershipAtEvent: 'invite' },
      true,
    ],
    [
      'invited hides events from before the invite',
      { visibility: 'invited', currentMembership: 'join' },
      false,
    ],
    [
      'shared shows all history to current members',
      { visibility: 'shared', currentMembership: 'join' },
      true,
    ],
    [
      'shared hides history from the invited',
      { visibility: 'shared', currentMembership: 'invite' },
      false,
    ],
    [
      'shared hides history from former members',
      { visibility: 'shared', currentMembership: 'leave', membershipAtEvent: 'leave' },
      false,
    ],
    [
      'one always sees one’s own membership changes',
      { visibility: 'joined', ownMembershipEvent: true },
      true,
    ],
  ] as Array<[string, Partial<VisibilityFacts>, boolean]>)('%s', (_, facts, expected) => {
    expect(isEventVisible({ ...base, ...facts })).toBe(expected);
  });
});

describe('morePermissive', () => {
  it('orders joined < invited < shared < world_readable', () => {
    expect(morePermissive('joined', 'shared')).toBe('shared');
    expect(morePermissive('world_readable', 'invited')).toBe('world_readable');
    expect(morePermissive('invited', 'joined')).toBe('invited');
    expect(morePermissive('shared', 'shared')).toBe('shared');
  });
});

describe('parseHistoryVisibility', () => {
  it('reads the four values and treats anything else as shared', () => {
    for (const value of ['world_readable', 'shared', 'invited', 'joined']) {
      expect(parseHistoryVisibility({ history_visibility: value })).toBe(value);
    }
    expect(parseHistoryVisibility({ history_visibility: 'nonsense' })).toBe('shared');
    expect(parseHistoryVisibility(undefined)).toBe('shared');
  });
});
