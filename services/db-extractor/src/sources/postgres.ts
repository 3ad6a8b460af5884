import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { ChunkRequest } from '../sql.js';
import { postgresChunk } from '../sql.js';
import { mapPostgresColumn, type SourceColumn, type TargetColumn } from '../types.js';
import type { Chunk, SourceReader } from './source.js';

/**
 * Reads PostgreSQL with COPY: PostgreSQL itself renders each chunk's rows as
 * JSON (row_to_json: arrays, jsonb, exact numerics and ISO timestamps as
 * BigQuery's JSON load reads them), so Node only moves lines. Measured 10× the
 * rate of reading rows into JavaScript and serialising them (see the README).
 */
export class PostgresReader implements SourceReader {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private columns = new Map<string, SourceColumn[]>();

  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 2 });
  }

  async describe(table: string): Promise<SourceColumn[]> {
    const [schema, name] = table.includes('.') ? table.split('.') : ['public', table];
    const { rows } = await this.pool.query(
      `SELECT column_name, udt_name, is_nullable, numeric_precision, numeric_scale
       FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [schema, name],
    );
    if (rows.length === 0) throw new Error(`table ${table} not found`);
    const columns = rows.map((r) => ({ name: r.column_name, dbType: r.udt_name, nullable: r.is_nullable === 'YES', precision: r.numeric_precision, scale: r.numeric_scale }));
    this.columns.set(table, columns);
    return columns;
  }

  mapColumn(column: SourceColumn): TargetColumn {
    return mapPostgresColumn(column);
  }

  async readChunk(request: ChunkRequest, extractedAt: string): Promise<Chunk> {
    const client = await this.pool.connect();
    try {
      const json = `SELECT row_to_json(t)::text FROM (SELECT ${this.selectList(request)}, ${literal(client, extractedAt)}::timestamptz AS "_extracted_at" FROM (${inline(client, request)}) AS chunk) AS t`;
      const parts: Buffer[] = [];
      // CSV with quote and delimiter bytes that JSON never contains raw: the lines come out unescaped.
      const stream = client.query(copyTo(`COPY (${json}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`));
      await pipeline(stream, new Writable({ write: (part: Buffer, _encoding, callback) => (parts.push(part), callback()) }));
      const ndjson = Buffer.concat(parts);
      const rows = countLines(ndjson);
      if (rows === 0) return { ndjson, rows };
      const lastLineStart = ndjson.lastIndexOf(NEWLINE, ndjson.length - 2) + 1;
      return { ndjson, rows, last: JSON.parse(ndjson.toString('utf8', lastLineStart)) as Record<string, unknown> };
    } finally {
      client.release();
    }
  }

  async estimateRows(request: ChunkRequest): Promise<number | undefined> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${inline(client, { ...request, limit: Number.MAX_SAFE_INTEGER })}`);
      const plan = (rows[0]?.['QUERY PLAN'] as { Plan?: { 'Plan Rows'?: number } }[] | undefined)?.[0]?.Plan;
      return plan?.['Plan Rows'];
    } finally {
      client.release();
    }
  }

  /** bytea leaves as base64 text: BigQuery's JSON load reads BYTES that way. */
  private selectList(request: ChunkRequest): string {
    const types = new Map((this.columns.get(request.table) ?? []).map((c) => [c.name, c.dbType]));
    return request.columns.map((c) => (types.get(c) === 'bytea' ? `encode("${c}", 'base64') AS "${c}"` : `"${c}"`)).join(', ');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

const NEWLINE = 0x0a;

/** COPY ends every row, the last included, with a newline. */
function countLines(buffer: Buffer): number {
  let lines = 0;
  for (let at = buffer.indexOf(NEWLINE); at !== -1; at = buffer.indexOf(NEWLINE, at + 1)) lines += 1;
  return lines;
}

/** The chunk query with its keyset values inlined as escaped literals: COPY takes no parameters. */
function inline(client: pg.PoolClient, request: ChunkRequest): string {
  const { sql, params } = postgresChunk(request);
  return sql.replace(/\$(\d+)/g, (_m, i: string) => literal(client, (params as unknown[])[Number(i) - 1]));
}

function literal(client: pg.PoolClient, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return client.escapeLiteral(value instanceof Date ? value.toISOString() : String(value));
}
