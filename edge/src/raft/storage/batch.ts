// Multi-row INSERTs within a Durable Object's statement limits: at most 100 bound parameters and
// 100 KB of SQL text per statement (workerd enforces both locally too).

export const MAX_BOUND_PARAMS = 100;
export const MAX_SQL_CHARS = 100_000;

/** How many rows of `columns` values fit in one INSERT. */
export function rowsPerInsert(table: string, columns: readonly string[]): number {
  if (columns.length === 0 || columns.length > MAX_BOUND_PARAMS) {
    throw new Error(`insertRows: ${columns.length} columns do not fit in one statement`);
  }
  const head = insertHead(table, columns).length;
  const perRow = rowPlaceholders(columns.length).length + 2; // ", " between rows
  const byText = Math.floor((MAX_SQL_CHARS - head) / perRow);
  return Math.max(1, Math.min(Math.floor(MAX_BOUND_PARAMS / columns.length), byText));
}

/** Splits `items` into consecutive groups of at most `size`. */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`chunked: bad size ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Inserts `rows` (each one value per column) in as few statements as the limits allow and
 * returns how many statements ran. Call it inside a transaction when the rows belong together.
 */
export function insertRows(
  sql: SqlStorage,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlStorageValue[])[],
): number {
  const head = insertHead(table, columns);
  const groups = chunked(rows, rowsPerInsert(table, columns));
  for (const group of groups) {
    const params: SqlStorageValue[] = [];
    for (const row of group) {
      if (row.length !== columns.length) {
        throw new Error(`insertRows: a row has ${row.length} values for ${columns.length} columns`);
      }
      params.push(...row);
    }
    const values = group.map(() => rowPlaceholders(columns.length)).join(', ');
    sql.exec(head + values, ...params);
  }
  return groups.length;
}

function insertHead(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
}

function rowPlaceholders(n: number): string {
  return `(${Array.from({ length: n }, () => '?').join(', ')})`;
}
