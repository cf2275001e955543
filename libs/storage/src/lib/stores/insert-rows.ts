import type { Txn } from '../ports/txn';

/** Parameters per statement stay far below both engines' limits (PostgreSQL 65,535; SQLite 32,766). */
const MAX_PARAMS = 8_000;

/**
 * Inserts many rows with as few statements as the parameter limit allows: each statement is a
 * round trip, and persisting a batch of events writes several rows per event into each table.
 */
export async function insertRows(
  txn: Txn,
  table: string,
  columns: readonly string[],
  rows: readonly unknown[][],
  suffix = '',
): Promise<void> {
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  for (let start = 0; start < rows.length; start += perStatement) {
    const slice = rows.slice(start, start + perStatement);
    const params: unknown[] = [];
    const values = slice.map((row) => {
      const placeholders = row.map((value) => {
        params.push(value);
        return `$${params.length}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    await txn.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')} ${suffix}`,
      params,
    );
  }
}
