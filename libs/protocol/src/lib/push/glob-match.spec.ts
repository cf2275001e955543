import { containsPhrase, globMatches } from './glob-match';

describe('globMatches whole', () => {
  it.each([
    ['', '', true],
    ['', 'a', false],
    ['*', '', true],
    ['*', 'anything at all', true],
    ['**', 'ab', true],
    ['?', '', false],
    ['?', 'a', true],
    ['?', 'ab', false],
    ['?', '😀', true],
    ['a?c', 'a😀c', true],
    ['M.ROOM.*', 'm.room.message', true],
    ['m.room.message', 'M.Room.Message', true],
    ['m.room', 'mxroom', false],
    ['[ab]', '[ab]', true],
    ['[ab]', 'a', false],
    ['a+b', 'aab', false],
    ['(x|y)^$', '(x|y)^$', true],
    ['a*b*c', 'a-b-c', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['*a', 'ba', true],
    ['a*', 'ba', false],
    ['lunc?*', 'lunc', false],
    ['σ', 'ς', true],
    ['ÉTÉ', 'été', true],
    ['line*end', 'line\nend', true],
  ])('%j on %j is %s', (pattern, value, expected) => {
    expect(globMatches(pattern, value, 'whole')).toBe(expected);
  });
});

describe('globMatches words (content.body)', () => {
  it.each([
    ['lunch', 'Lunch!', true],
    ['lunch', 'lunchtime', false],
    ['lunch', 'a big lunch', true],
    ['lunch', 'prelunch', false],
    ['lunch', 'pre_lunch', false],
    ['lunch', 'pre-lunch', true],
    ['lunch', 'lunch2', false],
    ['ex*ple', 'An exciting triple-whammy', true],
    ['ex*ple', 'examples', false],
    ['ex*ple', 'example examples', true],
    ['ex*ple', 'exaMPLE', true],
    ['a?c', 'xx abc yy', true],
    ['a?c', 'xx abbc yy', false],
    ['@room', 'hey @room!', true],
    ['@room', 'hey @roomy', false],
    // The pattern's own first character is a boundary, so a word character may precede it.
    ['@room', 'x@room', true],
    ['room', '@room', true],
    // The spec's boundary set is ASCII only: `é` ends a word.
    ['caf', 'café', true],
    ['', 'anything', true],
    ['*', '', true],
    ['*lunch', 'lunchtime lunch', true],
    ['*lunch', 'lunchtime', false],
    ['lunch*', 'prelunch lunchtime', true],
    ['lunch*', 'prelunch', false],
  ])('%j in %j is %s', (pattern, value, expected) => {
    expect(globMatches(pattern, value, 'words')).toBe(expected);
  });

  // A backtracking matcher would not finish these within the test's timeout.
  it('answers patterns that would make a backtracking regex explode', () => {
    const body = 'a'.repeat(50_000);
    expect(globMatches('*a*a*a*a*a*a*a*a*b', body, 'words')).toBe(false);
    expect(globMatches('a*a*a*a*a*a*a*a*b', body, 'whole')).toBe(false);
  });
});

describe('containsPhrase', () => {
  it('matches the phrase literally between word boundaries, ignoring case', () => {
    expect(containsPhrase('Alice Smith', 'hi alice smith, hello')).toBe(true);
    expect(containsPhrase('Alice Smith', 'hi Alice Smithers')).toBe(false);
    expect(containsPhrase('Al*', 'Alfred')).toBe(false);
    expect(containsPhrase('Al*', 'hello Al*')).toBe(true);
    expect(containsPhrase('A?', 'Ab')).toBe(false);
  });
});
