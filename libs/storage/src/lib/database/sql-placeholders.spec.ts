import { toSqlitePlaceholders } from './sql-placeholders';

describe('toSqlitePlaceholders', () => {
  it('keeps $10 as one placeholder', () => {
    const params = Array.from({ length: 11 }, (_, i) => `p${i + 1}`);
    const sql = `VALUES (${params.map((_, i) => `$${i + 1}`).join(', ')})`;
    const out = toSqlitePlaceholders(sql, params);
    expect(out.sql).toBe(`VALUES (${params.map(() => '?').join(', ')})`);
    expect(out.params).toEqual(params);
    expect(toSqlitePlaceholders('SELECT $10, $1', params).params).toEqual(['p10', 'p1']);
  });

  it('reorders and repeats parameters to match the text', () => {
    expect(toSqlitePlaceholders('a = $2 AND b = $1 OR c = $2', ['x', 'y'])).toEqual({
      sql: 'a = ? AND b = ? OR c = ?',
      params: ['y', 'x', 'y'],
    });
  });

  it('leaves quoted text and comments alone', () => {
    const sql = `SELECT '$1 it''s', "col$2" -- $1\nFROM t WHERE x = $1`;
    expect(toSqlitePlaceholders(sql, [5])).toEqual({
      sql: `SELECT '$1 it''s', "col$2" -- $1\nFROM t WHERE x = ?`,
      params: [5],
    });
  });

  it('refuses a placeholder without a parameter', () => {
    expect(() => toSqlitePlaceholders('x = $2', [1])).toThrow(/\$2 has no parameter/);
  });
});
