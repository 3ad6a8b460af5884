import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { ChunkRequest } from '../sql.js';
import { postgresChunk } from '../sql.js';
import { mapPostgresColumn, type SourceColumn, type TargetColumn } from '../types.js';
import type { SourceReader } from './source.js';

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

  async readChunk(request: ChunkRequest, extractedAt: string): Promise<{ lines: string[]; last?: Record<string, unknown> }> {
    const client = await this.pool.connect();
    try {
      // COPY takes no parameters: the keyset values are inlined as escaped literals.
      const { sql, params } = postgresChunk(request);
      const inlined = sql.replace(/\$(\d+)/g, (_m, i: string) => literal(client, (params as unknown[])[Number(i) - 1]));
      const types = new Map((this.columns.get(request.table) ?? []).map((c) => [c.name, c.dbType]));
      const select = request.columns
        .map((c) => (types.get(c) === 'bytea' ? `encode("${c}", 'base64') AS "${c}"` : `"${c}"`))
        .join(', ');
      const json = `SELECT row_to_json(t)::text FROM (SELECT ${select}, ${literal(client, extractedAt)}::timestamptz AS "_extracted_at" FROM (${inlined}) AS chunk) AS t`;
      const lines: string[] = [];
      let pending = '';
      // CSV with quote and delimiter bytes that JSON never contains raw: the lines come out unescaped.
      const stream = client.query(copyTo(`COPY (${json}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`));
      await pipeline(
        stream,
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            const parts = (pending + chunk.toString('utf8')).split('\n');
            pending = parts.pop() ?? '';
            for (const part of parts) if (part) lines.push(part);
            callback();
          },
        }),
      );
      if (pending) lines.push(pending);
      if (lines.length === 0) return { lines };
      const last = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
      return { lines, last };
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function literal(client: pg.PoolClient, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return client.escapeLiteral(value instanceof Date ? value.toISOString() : String(value));
}
