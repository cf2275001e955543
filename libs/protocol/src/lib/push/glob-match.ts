/** One code point of a pattern, case-folded; null is `?` (any one code point). */
type Token = string | null;
/** The pattern split at each `*`: literal runs that must appear in order. */
type Segments = Token[][];

/**
 * `whole`: the pattern must match the entire value. `words`: it must match a substring that
 * starts and ends at a word boundary (the spec's rule for `content.body`).
 */
export type GlobMode = 'whole' | 'words';

const WORD_CHAR = /^[A-Za-z0-9_]$/;

/**
 * Case-insensitive glob match (spec appendices#glob-style-matching: `*` is zero or more
 * characters, `?` exactly one). Patterns come from users, so this is a linear segment scan
 * rather than a backtracking regex, which `*a*a*a*b` on a long body would stall.
 */
export function globMatches(pattern: string, value: string, mode: GlobMode): boolean {
  const segments = pattern
    .split('*')
    .map((run) => foldChars(run).map((char) => (char === '?' ? null : char)));
  return matchSegments(segments, value, mode);
}

/** Whether `phrase`, taken literally (no wildcards), occurs in `value` between word boundaries. */
export function containsPhrase(phrase: string, value: string): boolean {
  return matchSegments([foldChars(phrase)], value, 'words');
}

/** Printable ASCII only: `toLowerCase` folds it exactly like the per-character rule. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** The code points of `text`, case-folded; plain ASCII (most bodies) folds in one call. */
function foldChars(text: string): string[] {
  return PRINTABLE_ASCII.test(text) ? Array.from(text.toLowerCase()) : Array.from(text, fold);
}

// Upper then lower so that e.g. `ς` and `σ` (both `Σ` in upper case) compare equal.
function fold(char: string): string {
  return char.toUpperCase().toLowerCase();
}

function matchSegments(segments: Segments, value: string, mode: GlobMode): boolean {
  const raw = Array.from(value);
  const chars = PRINTABLE_ASCII.test(value) ? Array.from(value.toLowerCase()) : raw.map(fold);
  const n = chars.length;
  // A word boundary is any position not strictly between two word characters.
  const wordBoundary = (i: number) =>
    i === 0 || i === n || !WORD_CHAR.test(raw[i - 1]) || !WORD_CHAR.test(raw[i]);
  const canStart = (i: number) => (mode === 'whole' ? i === 0 : wordBoundary(i));
  const canEnd = (i: number) => (mode === 'whole' ? i === n : wordBoundary(i));
  const first = segments[0];
  const last = segments[segments.length - 1];

  if (segments.length === 1) {
    for (let start = 0; start + first.length <= n; start++) {
      if (canStart(start) && canEnd(start + first.length) && runAt(first, chars, start)) {
        return true;
      }
    }
    return false;
  }

  // With a `*`, the leftmost placement of each run leaves the most room for the ones after it.
  let start = 0;
  while (start + first.length <= n && !(canStart(start) && runAt(first, chars, start))) start++;
  if (start + first.length > n) return false;
  let pos = start + first.length;
  for (const run of segments.slice(1, -1)) {
    while (pos + run.length <= n && !runAt(run, chars, pos)) pos++;
    if (pos + run.length > n) return false;
    pos += run.length;
  }
  for (let end = pos + last.length; end <= n; end++) {
    if (canEnd(end) && runAt(last, chars, end - last.length)) return true;
  }
  return false;
}

function runAt(run: Token[], chars: string[], pos: number): boolean {
  if (pos + run.length > chars.length) return false;
  return run.every((token, i) => token === null || token === chars[pos + i]);
}
