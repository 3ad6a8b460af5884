/** SQL for keyset-paginated chunk reads, per dialect. Column names come from the validated plan. */
export interface ChunkQuery {
  sql: string;
  params: unknown[] | Record<string, unknown>;
}

export interface ChunkRequest {
  table: string;
  columns: string[];
  /** order and keyset: the cursor columns (if any) then the primary key */
  order: string[];
  /** resume after this key (values for `order`) */
  after?: unknown[];
  /** incremental: rows whose leading cursor columns are at least this (already moved back by the look-back) */
  from?: unknown[];
  /** backfill upper bound on the first cursor column (exclusive) */
  before?: unknown;
  cursor?: string[];
  limit: number;
  /** SAP client (MANDT) to keep */
  sapClient?: string;
  /** only the rows whose leading cursor column is NULL (read by key, after the keyset pass) */
  nullCursor?: boolean;
}

/** A PostgreSQL identifier, quoted (embedded quotes doubled): names come from a catalogue we do not control. */
export const pgQuote = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** A possibly schema-qualified PostgreSQL name (declared in the plan, so a dot separates schema and table). */
const pgIdent = (name: string) => name.split('.').map(pgQuote).join('.');

/** BigQuery column names: letters, digits, underscores, not starting with a digit (what backticks then quote safely). */
export const BIGQUERY_COLUMN = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;
/** Oracle names as SAP and most schemas write them, used unquoted: anything else is refused rather than spliced in. */
export const ORACLE_IDENTIFIER = /^[A-Za-z][A-Za-z0-9_$#]{0,127}$/;

/** Refuses a table whose column names cannot be a BigQuery column (or an unquoted Oracle name): one clear error, before any SQL. */
export function checkColumnNames(table: string, names: string[], dialect: 'postgres' | 'oracle'): void {
  const bad = names.filter((n) => !BIGQUERY_COLUMN.test(n) || (dialect === 'oracle' && !ORACLE_IDENTIFIER.test(n)));
  if (bad.length) throw new Error(`table ${table}: column names ${bad.map((n) => JSON.stringify(n.slice(0, 64))).join(', ')} cannot be BigQuery column names (letters, digits, underscores); rename them in a view and extract the view`);
}

/** PostgreSQL: row-value comparisons use the (cursor, key) index directly. */
export function postgresChunk(request: ChunkRequest): ChunkQuery {
  const params: unknown[] = [];
  const where: string[] = [];
  const tuple = (columns: string[]) => `(${columns.map(pgQuote).join(', ')})`;
  const placeholders = (values: unknown[]) => `(${values.map((v) => `$${params.push(v)}`).join(', ')})`;
  if (request.nullCursor && request.cursor) where.push(`${pgQuote(request.cursor[0]!)} IS NULL`);
  if (request.from && request.cursor) where.push(`${tuple(request.cursor.slice(0, request.from.length))} >= ${placeholders(request.from)}`);
  if (request.before !== undefined && request.cursor) where.push(`${pgIdent(request.cursor[0]!)} < $${params.push(request.before)}`);
  if (request.after) where.push(`${tuple(request.order)} > ${placeholders(request.after)}`);
  const sql = `SELECT ${request.columns.map(pgQuote).join(', ')} FROM ${pgIdent(request.table)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${request.order.map(pgQuote).join(', ')} LIMIT $${params.push(request.limit)}`;
  return { sql, params };
}

/**
 * Oracle: no row-value comparison, so "(a, b) > (x, y)" is spelled out; named
 * binds only (no values in the SQL, so the statement is cached and safe);
 * FETCH FIRST for the chunk size.
 */
export function oracleChunk(request: ChunkRequest): ChunkQuery {
  checkColumnNames(request.table, [...request.columns, ...request.order], 'oracle');
  const binds: Record<string, unknown> = {};
  const where: string[] = [];
  const bind = (prefix: string, values: unknown[]) => values.map((v, i) => ((binds[`${prefix}${i}`] = v), `:${prefix}${i}`));
  const after = (columns: string[], names: string[], strict: boolean) =>
    `(${columns
      .map((column, i) => [...columns.slice(0, i).map((c, j) => `${c} = ${names[j]}`), `${column} ${i === columns.length - 1 && !strict ? '>=' : '>'} ${names[i]}`].join(' AND '))
      .map((clause) => `(${clause})`)
      .join(' OR ')})`;
  if (request.sapClient) {
    binds.mandt = request.sapClient;
    where.push('MANDT = :mandt');
  }
  if (request.nullCursor && request.cursor) where.push(`${request.cursor[0]} IS NULL`);
  if (request.from && request.cursor) where.push(after(request.cursor.slice(0, request.from.length), bind('w', request.from), false));
  if (request.before !== undefined && request.cursor) {
    binds.before = request.before;
    where.push(`${request.cursor[0]} < :before`);
  }
  if (request.after) where.push(after(request.order, bind('k', request.after), true));
  binds.limit = request.limit;
  const sql = `SELECT ${request.columns.join(', ')} FROM ${request.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${request.order.join(', ')} FETCH FIRST :limit ROWS ONLY`;
  return { sql, params: binds };
}

/** Rows in a source table (the SAP client's only), the count the quality gate checks the copy against. */
export function postgresCount(table: string): ChunkQuery {
  return { sql: `SELECT count(*) AS n FROM ${pgIdent(table)}`, params: [] };
}

export function oracleCount(table: string, sapClient?: string): ChunkQuery {
  return sapClient ? { sql: `SELECT COUNT(*) AS N FROM ${table} WHERE MANDT = :mandt`, params: { mandt: sapClient } } : { sql: `SELECT COUNT(*) AS N FROM ${table}`, params: {} };
}
