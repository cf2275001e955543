/**
 * Rewrites `$1…$n` placeholders to SQLite's positional `?`, reordering (and repeating) the
 * parameters to match. `$10` is one placeholder, not `$1` followed by `0`; text inside quotes,
 * quoted identifiers and comments is left alone.
 */
export function toSqlitePlaceholders(
  sql: string,
  params: readonly unknown[],
): { sql: string; params: unknown[] } {
  let out = '';
  const ordered: unknown[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const end = closingQuote(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '$' && isDigit(sql[i + 1])) {
      let j = i + 1;
      while (isDigit(sql[j])) j++;
      const index = Number(sql.slice(i + 1, j));
      if (index < 1 || index > params.length) {
        throw new Error(`placeholder $${index} has no parameter (${params.length} given)`);
      }
      const param = params[index - 1];
      // better-sqlite3 binds no booleans; SQLite stores them as 0/1 anyway.
      ordered.push(typeof param === 'boolean' ? Number(param) : param);
      out += '?';
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return { sql: out, params: ordered };
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Index just past the closing quote; a doubled quote is an escaped quote. */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}
