import pg from 'pg';
import type { ChunkRequest } from '../sql.js';
import { postgresChunk } from '../sql.js';
import { mapPostgresColumn, type SourceColumn, type TargetColumn } from '../types.js';
import type { SourceReader } from './source.js';

// Values as BigQuery's JSON load wants them: timestamps without time zone and dates as written,
// 64-bit integers and numerics as strings (no float rounding).
const RAW_TEXT = new Set([1114, 1082, 1083, 20, 1700, 1115, 1182, 1016, 1231]);
const ARRAYS_OF_TEXT = new Set([1115, 1182, 1016, 1231]);
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => {
    if (ARRAYS_OF_TEXT.has(oid)) return (value: string) => pg.types.arrayParser(value, (v: string) => v);
    if (RAW_TEXT.has(oid)) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
};

export class PostgresReader implements SourceReader {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 2, types: types as unknown as pg.CustomTypesConfig });
  }

  async describe(table: string): Promise<SourceColumn[]> {
    const [schema, name] = table.includes('.') ? table.split('.') : ['public', table];
    const { rows } = await this.pool.query(
      `SELECT column_name, udt_name, is_nullable, numeric_precision, numeric_scale
       FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [schema, name],
    );
    if (rows.length === 0) throw new Error(`table ${table} not found`);
    return rows.map((r) => ({ name: r.column_name, dbType: r.udt_name, nullable: r.is_nullable === 'YES', precision: r.numeric_precision, scale: r.numeric_scale }));
  }

  mapColumn(column: SourceColumn): TargetColumn {
    return mapPostgresColumn(column);
  }

  async readChunk(request: ChunkRequest): Promise<{ rows: Record<string, unknown>[]; raw: Record<string, unknown>[] }> {
    const { sql, params } = postgresChunk(request);
    const { rows: raw } = await this.pool.query(sql, params as unknown[]);
    const rows = raw.map((row) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(row)) out[key] = value instanceof Date ? value.toISOString() : Buffer.isBuffer(value) ? value.toString('base64') : value;
      return out;
    });
    return { rows, raw };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
